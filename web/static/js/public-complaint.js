/* The complaint form's proof of work (监督一点通): find a counter such that
   SHA-256("<form token>:<counter>") starts with the number of zero bits the server asks
   for (data-pow-bits), then submit. A person waits a moment; a script posting thousands
   of complaints pays for each. Uses the browser's own SubtleCrypto; nothing is fetched. */
(function () {
  "use strict";
  var form = document.getElementById("complaint-form");
  if (!form) { return; }
  var bits = parseInt(form.getAttribute("data-pow-bits") || "0", 10);
  var token = form.elements.form_token.value;
  var encoder = new TextEncoder();
  var busy = false;

  function leadingZeros(buffer) {
    var bytes = new Uint8Array(buffer), zeros = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { zeros += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { zeros += 1; b <<= 1; }
      return zeros;
    }
    return zeros;
  }

  async function solve() {
    var counter = 0;
    for (;;) {
      var batch = [];
      for (var j = 0; j < 64; j++) {
        batch.push(crypto.subtle.digest("SHA-256", encoder.encode(token + ":" + (counter + j))));
      }
      var digests = await Promise.all(batch);
      for (var k = 0; k < digests.length; k++) {
        if (leadingZeros(digests[k]) >= bits) { return String(counter + k); }
      }
      counter += 64;
    }
  }

  form.addEventListener("submit", function (event) {
    if (form.elements.proof.value) { return; }
    event.preventDefault();
    if (busy) { return; }
    if (!window.crypto || !crypto.subtle) {
      document.getElementById("complaint-nocrypto").hidden = false;
      return;
    }
    busy = true;
    document.getElementById("complaint-submit").disabled = true;
    document.getElementById("complaint-progress").hidden = false;
    solve().then(function (counter) {
      form.elements.proof.value = counter;
      form.submit();
    });
  });
})();
