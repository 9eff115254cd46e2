/* The counter's claim form: "add another invoice" copies the blank row kept in a <template>
   (the formset's empty form), numbers it, and counts it in TOTAL_FORMS. No inline script (CSP). */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const group = document.getElementById("invoices");
  if (!group) {
    return;
  }
  const template = document.getElementById("invoice-empty-row");
  const body = group.querySelector("tbody");
  const total = group.querySelector("input[name$='-TOTAL_FORMS']");
  const button = document.getElementById("add-invoice");
  if (!template || !body || !total || !button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function (event) {
    event.preventDefault();
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const row = body.lastElementChild;
    if (window.DateTimeShortcuts) {
      row.querySelectorAll("input.vDateField").forEach(function (input) {
        window.DateTimeShortcuts.addCalendar(input);
      });
    }
    const first = row.querySelector("input");
    if (first) {
      first.focus();
    }
  });
});
