/* The counter's filing form: only the rows the chosen filing type takes are shown. The map of
   conditional fields to the types taking them comes from the server (data-type-fields on the type's
   <select>); the server drops the hidden fields' values again. No inline script (CSP). */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const select = document.getElementById("id_filing_type");
  if (!select || !select.dataset.typeFields) {
    return;
  }
  const typeFields = JSON.parse(select.dataset.typeFields);
  function show() {
    const chosen = select.value;
    Object.keys(typeFields).forEach(function (name) {
      const row = document.querySelector(".form-row.field-" + name);
      if (row) {
        row.style.display = typeFields[name].indexOf(chosen) < 0 ? "none" : "";
      }
    });
    document.querySelectorAll("#filing_form fieldset").forEach(function (fieldset) {
      const rows = fieldset.querySelectorAll(".form-row");
      const allHidden = Array.prototype.every.call(rows, function (row) {
        return row.style.display === "none";
      });
      fieldset.style.display = rows.length > 0 && allHidden ? "none" : "";
    });
  }
  select.addEventListener("change", show);
  show();
});
