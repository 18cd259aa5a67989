// Progressive enhancement only: the server shows the "call 999" warning after saving, and
// this reveals it the moment someone says the child is in danger. No inline script (CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-danger-warning]").forEach((warning) => {
    const form = warning.closest("form");
    if (!form) return;
    const inputs = Array.from(form.querySelectorAll("input[data-danger-input]"));
    const update = () => {
      // A checkbox is ticked, or the "Yes" radio is chosen.
      warning.hidden = !inputs.some((input) => input.checked && (input.type === "checkbox" || input.value === "yes"));
    };
    inputs.forEach((input) => input.addEventListener("change", update));
  });
});
