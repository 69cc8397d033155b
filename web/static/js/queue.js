// The alert queue's selection for 分办: "select the whole page", the count on the button,
// and the button disabled while nothing is ticked. Without this script the form still works
// (the server answers "tick the alerts first"). No inline script: CSP forbids it.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("bulk");
  if (!form) { return; }
  var all = document.getElementById("pick-all");
  var count = document.getElementById("selected-count");
  var submit = document.getElementById("bulk-submit");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll('input[type=checkbox][name=alert_id][form=bulk]'));

  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    count.textContent = String(ticked);
    submit.disabled = ticked === 0;
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  update();
});
