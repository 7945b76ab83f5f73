// @ts-check

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} type
 * @returns {T}
 */
export function element(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return found;
}

/**
 * A row of cells; strings go in as text, never as markup.
 * @param {Array<string | Node>} cells
 */
export function tableRow(cells) {
  const row = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    td.append(cell);
    row.append(td);
  }
  return row;
}

/**
 * @param {HTMLTableElement} table
 * @param {HTMLTableRowElement[]} rows
 * @param {string} emptyText
 */
export function fillRows(table, rows, emptyText) {
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren(...rows);
  if (rows.length === 0) appendNote(table, emptyText);
}

/** @param {HTMLTableElement} table @param {string} text */
export function appendNote(table, text) {
  const row = document.createElement("tr");
  row.className = "note";
  const cell = document.createElement("td");
  cell.colSpan = table.tHead?.rows[0]?.cells.length ?? 1;
  cell.textContent = text;
  row.append(cell);
  (table.tBodies[0] ?? table.createTBody()).append(row);
}

/**
 * @param {HTMLSelectElement} select
 * @param {Array<[string, string]>} options value and label
 * @param {string} selected
 */
export function fillSelect(select, options, selected) {
  // Rebuilt only when the choices change, so an open picker is not yanked shut by a refresh.
  const signature = JSON.stringify(options);
  if (select.dataset.signature !== signature) {
    select.dataset.signature = signature;
    select.replaceChildren(
      ...options.map(([value, label]) => {
        const option = document.createElement("option");
        option.value = value;
        option.textContent = label;
        return option;
      }),
    );
  }
  select.value = selected;
}

/**
 * A button that runs `onClick` (not a form submit).
 * @param {string} label
 * @param {string} className
 * @param {() => void} onClick
 */
export function button(label, className, onClick) {
  const created = document.createElement("button");
  created.type = "button";
  created.className = className;
  created.textContent = label;
  created.addEventListener("click", onClick);
  return created;
}

/** Lines of text in one cell, each as text. @param {string[]} texts */
export function lines(texts) {
  const cell = document.createElement("span");
  cell.className = "lines";
  for (const text of texts) {
    const line = document.createElement("span");
    line.textContent = text;
    cell.append(line);
  }
  return cell;
}

/** A cell that may wrap (lists of projects or models can be long; the page fits 1280 px). */
export function wrapping(/** @type {string} */ text) {
  const span = document.createElement("span");
  span.className = "wrap";
  span.textContent = text;
  return span;
}
