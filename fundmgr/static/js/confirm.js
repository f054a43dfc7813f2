// Asks before a final or destructive action: a form (or its button) with data-confirm="question" opens the page's
// <dialog id="confirm-dialog">; "Yes" sends the form with confirmed=yes. Without this file the server asks on
// a page of its own (fundmgr/confirmation.py).
"use strict";
(function () {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  let pending = null;
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const asker = event.submitter && event.submitter.dataset.confirm ? event.submitter : form;
    if (!(form instanceof HTMLFormElement) || !asker.dataset.confirm || form.querySelector("input[name=confirmed]")) return;
    event.preventDefault();
    pending = { form: form, submitter: event.submitter };
    dialog.querySelector("[data-confirm-question]").textContent = asker.dataset.confirm;
    dialog.querySelector("[data-confirm-consequence]").textContent = asker.dataset.consequence || "";
    dialog.returnValue = "";
    dialog.showModal();
  });
  dialog.addEventListener("close", function () {
    if (!pending || dialog.returnValue !== "yes") { pending = null; return; }
    const { form, submitter } = pending;
    pending = null;
    const add = function (name, value) {
      const input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = value;
      form.appendChild(input);
    };
    add("confirmed", "yes");
    if (submitter && submitter.name) add(submitter.name, submitter.value);
    // a live page (the meeting board) may have replaced the form while the dialog asked: a form out of the
    // document cannot be sent, so it goes back in, hidden, and sends what the person confirmed
    if (!form.isConnected) { form.hidden = true; document.body.appendChild(form); }
    form.submit();
  });
})();
