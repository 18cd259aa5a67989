// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Auto-submit filter forms when a select changes (they also have a submit button).
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
  // Nav toggle on narrow screens.
  const toggle = document.querySelector("[data-nav-toggle]");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.hidden = false;
    nav.classList.add("collapsible");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("open", !open);
    });
  }
});

/* --- the chronology tab: expand or collapse every entry at once --- */
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-expand-controls]").forEach((controls) => {
    const list = controls.parentElement.nextElementSibling;
    if (!list) return;
    controls.hidden = false;
    controls.querySelectorAll("button[data-expand]").forEach((button) => {
      button.addEventListener("click", () => {
        const open = button.dataset.expand === "open";
        list.querySelectorAll("details[data-entry]").forEach((entry) => { entry.open = open; });
      });
    });
  });
});

/* --- forms and phone: tables become stacked rows on a phone --- */
// Each cell gets its column's heading as data-label, which the stylesheet shows beside the value
// below 40em. Without this script a table still scrolls inside its .table-wrap. Tables whose
// template labels its own cells (or that say data-no-stack) are left alone.
(() => {
  const headingOf = (cell) => cell.textContent.replace(/\s+/g, " ").trim();
  const stack = (table) => {
    if (table.hasAttribute("data-no-stack") || table.classList.contains("stacked")) return;
    const head = table.tHead && table.tHead.rows[0];
    if (!head || table.querySelector("tbody [data-label]")) return;
    const labels = [];
    Array.from(head.cells).forEach((cell) => {
      for (let i = 0; i < (cell.colSpan || 1); i += 1) labels.push(headingOf(cell));
    });
    // display: block drops a table's semantics in some browsers: say them again.
    table.setAttribute("role", "table");
    Array.from(table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot")).forEach((group) => group.setAttribute("role", "rowgroup"));
    Array.from(table.rows).forEach((row) => {
      row.setAttribute("role", "row");
      let column = 0;
      Array.from(row.cells).forEach((cell) => {
        const inHead = row.parentElement === table.tHead;
        if (cell.tagName === "TH") cell.setAttribute("role", inHead || cell.scope === "col" ? "columnheader" : "rowheader");
        else cell.setAttribute("role", "cell");
        if (!inHead && labels[column]) cell.dataset.label = labels[column];
        column += cell.colSpan || 1;
      });
    });
    table.classList.add("stacked");
  };
  const stackAll = (root) => {
    if (root.tagName === "TABLE") stack(root);
    if (root.querySelectorAll) root.querySelectorAll("table").forEach(stack);
  };
  document.addEventListener("DOMContentLoaded", () => stackAll(document));
  // Content htmx swaps in (a table or a row of one) is labelled too.
  document.addEventListener("htmx:afterSettle", (event) => {
    const table = event.target.closest ? event.target.closest("table") : null;
    if (table) { table.classList.remove("stacked"); table.querySelectorAll("[data-label]").forEach((c) => c.removeAttribute("data-label")); stack(table); }
    stackAll(event.target);
  });
})();
