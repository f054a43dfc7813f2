// fundmgr proposals: live totals of the budget grid while typing.
// The page works without this file; the server recomputes every total when the budget is saved.
// Amounts are counted in integer cents (BigInt) and rates in millionths, so no float ever rounds a sum.
"use strict";

(function () {
  const grid = document.getElementById("budget-grid");
  if (!grid) {
    return;
  }
  // The language's symbols and the server's rules for amounts and rates (fundmgr/numbers.py).
  const symbols = { decimal: grid.dataset.decimal, group: grid.dataset.group };
  const amountRules = JSON.parse(grid.dataset.amountRules);
  const rateRules = JSON.parse(grid.dataset.rateRules);
  const language = document.documentElement.lang || "en";
  const wholeFormatter = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });
  const decimalOut = new Intl.NumberFormat(language).formatToParts(1.5).find((p) => p.type === "decimal").value;

  // An amount in cents (a blank cell is zero); null when the server would refuse it.
  function parseCents(text) {
    return text.trim() === "" ? 0n : window.fundmgrNumbers.scaled(text, symbols, amountRules);
  }

  // A percentage ("7", "6,5") as millionths of one (70000n, 65000n); null when blank or refused.
  function parseRate(text) {
    return text.trim() === "" ? null : window.fundmgrNumbers.scaled(text, symbols, rateRules);
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
