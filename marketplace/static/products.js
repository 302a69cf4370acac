// Product form: rebuild the SKU matrix in the browser as the options change (every
// combination of the options' values is a row), keeping what was typed into rows whose
// combination stays. Without this script the "Build rows" button posts the form and the
// server builds the same rows (marketplace/web/console_product_form.py).
(function () {
  const form = document.getElementById("product-form");
  const table = document.getElementById("sku-matrix");
  if (!form || !table) return;
  const body = table.querySelector("tbody");
  const count = document.getElementById("sku-count");
  const words = table.dataset;
  const MAX_ROWS = 100;
  const MAX_VALUES = 20;

  function keyOf(pairs) {
    const sorted = pairs.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
    return JSON.stringify(sorted);
  }

  function splitValues(text) {
    const seen = [];
    for (const part of text.split(/[,\uff0c\u3001\n]+/)) {
      const value = part.trim();
      if (value && !seen.includes(value)) seen.push(value);
    }
    return seen.slice(0, MAX_VALUES);
  }

  function options() {
    const names = form.querySelectorAll(".opt-name");
    const values = form.querySelectorAll(".opt-values");
    const out = [];
    names.forEach((input, i) => {
      const name = input.value.trim();
      const list = splitValues(values[i].value);
      if (name && list.length) out.push([name, list]);
    });
    return out;
  }

  function combinations(opts) {
    let rows = [[]];
    for (const [name, values] of opts) {
      const next = [];
      for (const row of rows) {
        for (const value of values) {
          next.push(row.concat([[name, value]]));
          if (next.length > MAX_ROWS) return next;
        }
      }
      rows = next;
    }
    return rows;
  }

  function input(name, value, label, mode) {
    const el = document.createElement("input");
    el.name = name;
    el.value = value;
    el.setAttribute("aria-label", label);
    if (mode) el.inputMode = mode;
    return el;
  }

  function cell(label, child) {
    const td = document.createElement("td");
    td.dataset.label = label;
    td.appendChild(child);
    return td;
  }

  function newRow(pairs) {
    const tr = document.createElement("tr");
    const on = document.createElement("input");
    on.type = "checkbox";
    on.name = "row_on";
    on.value = JSON.stringify(pairs);
    on.checked = true;
    on.setAttribute("aria-label", words.onLabel);
    const onCell = document.createElement("td");
    onCell.className = "sku-on";
    onCell.appendChild(on);
    tr.appendChild(onCell);
    const first = document.createElement("td");
    first.className = "sku-options-cell";
    if (pairs.length === 0) {
      const span = document.createElement("span");
      span.className = "muted";
      span.textContent = words.single;
      first.appendChild(span);
    }
    for (const [name, value] of pairs) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = name + ": " + value;
      first.append(badge, " ");
    }
    const key = document.createElement("input");
    key.type = "hidden";
    key.name = "row_key";
    key.value = JSON.stringify(pairs);
    const id = document.createElement("input");
    id.type = "hidden";
    id.name = "row_id";
    id.value = "";
    first.append(key, id);
    tr.appendChild(first);
    const code = pairs.map((p) => p[1]).join("-") || "default";
    tr.appendChild(cell(words.codeLabel, input("row_code", code, words.codeLabel)));
    tr.appendChild(cell(words.priceLabel, input("row_price", "", words.priceLabel, "decimal")));
    tr.appendChild(cell(words.stockLabel, input("row_stock", "0", words.stockLabel, "numeric")));
    return tr;
  }

  const existing = new Map();
  for (const tr of body.querySelectorAll("tr")) {
    existing.set(keyOf(JSON.parse(tr.dataset.key)), tr);
  }

  function rebuild() {
    const rows = combinations(options());
    const fragment = document.createDocumentFragment();
    for (const pairs of rows.slice(0, MAX_ROWS)) {
      const key = keyOf(pairs);
      let tr = existing.get(key);
      if (!tr) {
        tr = newRow(pairs);
        existing.set(key, tr);
      }
      fragment.appendChild(tr);
    }
    body.replaceChildren(fragment);
    if (count) count.textContent = "(" + Math.min(rows.length, MAX_ROWS) + ")";
  }

  form.querySelectorAll(".opt-name, .opt-values").forEach((el) => {
    el.addEventListener("input", rebuild);
    el.addEventListener("change", rebuild);
  });
  const build = form.querySelector(".build-rows");
  if (build) build.hidden = true;
})();
