/* The counter's claim form: the rows only some claim kinds take (where an emergency took place, the
   chronic disease) are shown for those kinds only; the map comes from the server (data-kind-fields on
   the kind's <select>). No inline script (CSP). */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const select = document.getElementById("id_claim_kind");
  if (!select || !select.dataset.kindFields) {
    return;
  }
  const kindFields = JSON.parse(select.dataset.kindFields);
  function show() {
    Object.keys(kindFields).forEach(function (name) {
      const row = document.querySelector("#claim_form .form-row.field-" + name);
      if (row) {
        row.style.display = kindFields[name].indexOf(select.value) < 0 ? "none" : "";
      }
    });
  }
  select.addEventListener("change", show);
  show();
});
