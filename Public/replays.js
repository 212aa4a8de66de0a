// Replays: keyboard shortcuts of the blind review (a / ← for A, b / → for B, t for a tie, s to skip).
// Progressive enhancement only: without this file the buttons are a plain form.
(function () {
  'use strict';

  var form = document.getElementById('verdict-form');
  if (!form) return;

  function isTyping(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  var buttons = {};
  form.querySelectorAll('button[data-key]').forEach(function (button) {
    button.getAttribute('data-key').split(' ').forEach(function (key) { buttons[key] = button; });
  });

  var sent = false;
  form.addEventListener('submit', function (event) {
    // One verdict per page: a second key press while the first is on its way is ignored.
    if (sent) { event.preventDefault(); return; }
    sent = true;
  });

  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
    var key = event.key && event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var button = buttons[key];
    if (!button || sent) return;
    event.preventDefault();
    button.classList.add('chosen');
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  });
})();
