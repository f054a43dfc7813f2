// fundmgr: numbers typed by people, read by the rules of fundmgr/numbers.py (its docstring states them).
// The server reads every number again when the form is sent; this copy only keeps live totals honest.
// window.fundmgrNumbers.scaled(text, symbols, rules) -> the number x 10^decimals as a BigInt, or null.
"use strict";

window.fundmgrNumbers = (function () {
  const GROUP_MARKS = " \u00a0\u2007\u2009\u202f'\u2019"; // spaces and apostrophes group thousands everywhere
  const PLAIN = /^[0-9]+(\.[0-9]+)?$/;
  const ALLOWED = /^[0-9., \u00a0\u2007\u2009\u202f'\u2019]*$/;

  function escape(symbol) {
    return symbol.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function isMark(c) {
    return GROUP_MARKS.includes(c);
  }

  // The text read with this decimal and group symbol (spaces and apostrophes standing for the group
  // symbol, but not mixed with a group symbol that is not a space), as "1234.5"; null when it does not read so.
  function readAs(text, decimal, group) {
    const chars = Array.from(text);
    if (!isMark(group) && text.includes(group) && chars.some(isMark)) {
      return null;
    }
    const marked = chars.map((c) => (isMark(c) ? group : c)).join("");
    const d = escape(decimal);
    const g = escape(group);
    const grammar = new RegExp(`^(?:[1-9][0-9]{0,2}(?:${g}[0-9]{3})+|[0-9]+)(?:${d}[0-9]+)?$`);
    if (!grammar.test(marked)) {
      return null;
    }
    return marked.split(group).join("").split(decimal).join(".");
  }

  // Whether two readings "1234.5" are the same number (the grammar allows no leading zeros but "0").
  function sameNumber(a, b) {
    const trim = (plain) => (plain.includes(".") ? plain.replace(/0+$/, "").replace(/\.$/, "") : plain);
    return trim(a) === trim(b);
  }

  // The number typed as "1234.5" (the language's reading first, else the plain form); null when refused.
  // With rules.oneReading (exchange rates) a "." or "," that groups thousands but would also read as a
  // decimal point is refused: Spanish "1.085", English "1,085".
  function read(text, symbols, rules) {
    const trimmed = text.trim();
    if (trimmed === "" || !ALLOWED.test(trimmed) || !/[0-9]/.test(trimmed)) {
      return null;
    }
    const own = readAs(trimmed, symbols.decimal, symbols.group);
    if (own !== null) {
      if (rules && rules.oneReading && ".,".includes(symbols.group) && trimmed.includes(symbols.group)) {
        const other = readAs(trimmed, symbols.group, symbols.decimal);
        if (other !== null && !sameNumber(other, own)) {
          return null;
        }
      }
      return own;
    }
    return PLAIN.test(trimmed) ? trimmed : null;
  }

  function toScaled(plain, decimals) {
    const [whole, fraction = ""] = plain.split(".");
    const kept = fraction.replace(/0+$/, "");
    if (kept.length > decimals) {
      return null;
    }
    return BigInt(whole) * 10n ** BigInt(decimals) + BigInt((kept + "0".repeat(decimals)).slice(0, decimals) || "0");
  }

  // The number x 10^decimals (cents of an amount, ten-thousandths of a percentage), or null when
  // the server would refuse it: not a number, more decimals than allowed, outside the range.
  function scaled(text, symbols, rules) {
    const plain = read(text, symbols, rules);
    if (plain === null) {
      return null;
    }
    const value = toScaled(plain, rules.decimals);
    const smallest = toScaled(rules.smallest, rules.decimals);
    const largest = toScaled(rules.largest, rules.decimals);
    if (value === null || value < smallest || value > largest) {
      return null;
    }
    return value;
  }

  return { read, scaled };
})();
