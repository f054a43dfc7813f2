// fundmgr proposals: live totals of the budget grid while typing.
// The page works without this file; the server recomputes every total when the budget is saved.
// Amounts are counted in integer cents (BigInt) and rates in millionths, so no float ever rounds a sum.
"use strict";

(function () {
  const grid = document.getElementById("budget-grid");
  if (!grid) {
    return;
  }
  const decimalSymbol = grid.dataset.decimal || ".";
  const groupSymbol = grid.dataset.group || ",";
  const language = document.documentElement.lang || "en";
  const wholeFormatter = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });
  const decimalOut = new Intl.NumberFormat(language).formatToParts(1.5).find((p) => p.type === "decimal").value;
  const SPACES = /[\s\u00a0\u202f]/g;

  // "1 234,56" (French) -> "1234.56"; null when the text is not an amount as the server would read it.
  function normalize(text) {
    let plain = text.trim();
    if (/\s/.test(groupSymbol) || groupSymbol === "\u202f" || groupSymbol === "\u00a0") {
      plain = plain.replace(SPACES, "");
    } else {
      plain = plain.split(groupSymbol).join("");
    }
    plain = plain.split(decimalSymbol).join(".");
    return plain;
  }

  function parseCents(text) {
    if (text.trim() === "") {
      return 0n;
    }
    const plain = normalize(text);
    if (!/^\d+(\.\d{1,2})?$/.test(plain)) {
      return null;
    }
    const [whole, fraction = ""] = plain.split(".");
    return BigInt(whole) * 100n + BigInt((fraction + "00").slice(0, 2));
  }

  // A percentage ("7", "6,5") as millionths of one (70000n, 65000n); null when not a number.
  function parseRate(text) {
    const plain = normalize(text);
    if (plain === "") {
      return null;
    }
    if (!/^\d+(\.\d{1,4})?$/.test(plain)) {
      return null;
    }
    const [whole, fraction = ""] = plain.split(".");
    return BigInt(whole) * 10000n + BigInt((fraction + "0000").slice(0, 4));
  }

  // Indirect costs: direct x rate, rounded half up to the cent (as fundmgr.db.to_cents does).
  function indirectCents(directCents, rateMillionths) {
    return (directCents * rateMillionths + 500000n) / 1000000n;
  }

  function formatCents(cents) {
    const sign = cents < 0n ? "-" : "";
    const absolute = cents < 0n ? -cents : cents;
    // Intl groups the whole part; the cents are appended exactly, never through a float.
    const whole = wholeFormatter.format(Number(absolute / 100n));
    return `${sign}${whole}${decimalOut}${(absolute % 100n).toString().padStart(2, "0")}`;
  }

  function add(map, key, cents) {
    map.set(key, (map.get(key) || 0n) + cents);
  }

  function show(key, cents) {
    grid.querySelectorAll(`[data-out="${key}"]`).forEach((cell) => {
      cell.textContent = cents === null ? "?" : formatCents(cents);
    });
  }

  function recompute() {
    const sums = new Map();
    const invalid = new Set();
    grid.querySelectorAll("input.budget-cell").forEach((input) => {
      const cents = parseCents(input.value);
      const { org, category, year } = input.dataset;
      input.classList.toggle("is-invalid", cents === null);
      if (cents === null) {
        invalid.add(`org:${org}`);
        invalid.add(`cat:${category}`);
        invalid.add(`year:${year}`);
        return;
      }
      add(sums, `org-cat:${org}:${category}`, cents);
      add(sums, `org-year:${org}:${year}`, cents);
      add(sums, `org-direct:${org}`, cents);
      add(sums, `cat-year:${category}:${year}`, cents);
      add(sums, `cat-total:${category}`, cents);
      add(sums, `year:${year}`, cents);
      add(sums, "direct", cents);
    });
    let indirect = 0n;
    let indirectKnown = true;
    grid.querySelectorAll("input.budget-rate").forEach((input) => {
      const org = input.dataset.org;
      const rate = parseRate(input.value);
      input.classList.toggle("is-invalid", rate === null && input.value.trim() !== "");
      const direct = sums.get(`org-direct:${org}`) || 0n;
      if (rate === null || invalid.has(`org:${org}`)) {
        indirectKnown = false;
        show(`org-indirect:${org}`, null);
        show(`org-total:${org}`, null);
        return;
      }
      const cents = indirectCents(direct, rate);
      indirect += cents;
      show(`org-indirect:${org}`, cents);
      show(`org-total:${org}`, direct + cents);
    });
    grid.querySelectorAll("[data-out]").forEach((cell) => {
      const key = cell.dataset.out;
      if (key.startsWith("org-indirect:") || key.startsWith("org-total:") || key === "indirect" || key === "total") {
        return;
      }
      const parts = key.split(":");
      const broken =
        (parts[0].startsWith("org") && invalid.has(`org:${parts[1]}`)) ||
        (parts[0].startsWith("cat") && invalid.has(`cat:${parts[1]}`)) ||
        (parts[0] === "year" && invalid.has(`year:${parts[1]}`)) ||
        (key === "direct" && invalid.size > 0);
      cell.textContent = broken ? "?" : formatCents(sums.get(key) || 0n);
    });
    const directKnown = invalid.size === 0;
    show("indirect", indirectKnown && directKnown ? indirect : null);
    show("total", indirectKnown && directKnown ? (sums.get("direct") || 0n) + indirect : null);
  }

  grid.addEventListener("input", recompute);
  recompute();
})();
