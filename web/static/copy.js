/* Copy buttons for links and codes: progressive enhancement, loaded as a file (the CSP allows no inline script).
 *
 * Markup: any element with a `data-copy` attribute (an <input>, an <a>, or text) gets a "Copy" button after it;
 * without JavaScript nothing is added and the link stays selectable text. What is copied: an input's value, a
 * link's href, or else the element's text. The button's words come from `data-copy-label` (default "Copy link"),
 * the announcement from `data-copied` (default "Copied") and the failure from `data-copy-failed`, so a page in
 * another language says them in its own. The announcement goes to a status region (aria-live) that exists before
 * it changes, so screen readers speak it.
 */
(function () {
  "use strict";

  function textOf(element) {
    if (element.tagName === "INPUT" || element.tagName === "TEXTAREA") { return element.value; }
    if (element.tagName === "A" && element.href) { return element.href; }
    return element.textContent.trim();
  }

  // Without the asynchronous clipboard (an insecure context, an older browser): select the text and copy it.
  function copyBySelection(element) {
    var selection = window.getSelection();
    if (element.select) {
      element.select();
    } else {
      var range = document.createRange();
      range.selectNodeContents(element);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(element) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(textOf(element)).catch(function () { return copyBySelection(element); });
    }
    return copyBySelection(element);
  }

  function enhance(element) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = element.getAttribute("data-copy-label") || "Copy link";
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    button.addEventListener("click", function () {
      status.textContent = "";
      copy(element).then(function () {
        status.textContent = element.getAttribute("data-copied") || "Copied";
      }, function () {
        status.textContent = element.getAttribute("data-copy-failed") || "Could not copy: select the text and copy it.";
      });
    });
    var after = element.closest("label") || element;  // a field's button after its label, not inside it
    after.insertAdjacentElement("afterend", status);
    after.insertAdjacentElement("afterend", button);
  }

  document.querySelectorAll("[data-copy]").forEach(enhance);
}());
