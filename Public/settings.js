// Settings pages: progressive enhancement only. The rule editor shows the fields of the chosen condition type and
// runs the dry-run in place; the new API key gets a copy button. Every form also works without this file.
(function () {
  'use strict';

  function list(text) {
    return text.split(/[,\n\r]/).map(function (item) { return item.trim(); }).filter(function (item) { return item; });
  }

  var form = document.getElementById('rule-form');
  if (form) {
    var mode = document.getElementById('rule-mode');
    var panels = form.querySelectorAll('.mode-panel');
    var conditionBox = document.getElementById('rule-condition');
    var detector = document.getElementById('rule-detector');
    var kindsHint = form.querySelectorAll('.detector-kinds [data-detector]');
    form.classList.add('enhanced');

    // The condition the friendly fields describe (as the server builds it), for the JSON view.
    var value = function (name) { var field = form.elements[name]; return field ? field.value : ''; };
    var checked = function (name) { var field = form.elements[name]; return !!(field && field.checked); };
    var friendly = function (kind) {
      var condition;
      var role = '';
      if (kind === 'keywords') {
        condition = { type: 'keywords', words: list(value('keywords')), whole_word: checked('whole_word'),
          case_sensitive: checked('case_sensitive') };
        role = value('keyword_role');
      } else if (kind === 'regex') {
        condition = { type: 'regex', pattern: value('pattern'), ignore_case: checked('ignore_case') };
        role = value('regex_role');
      } else if (kind === 'detector') {
        condition = { type: 'detector', name: value('detector') };
        var kinds = list(value('detector_kinds'));
        if (kinds.length) condition.kinds = kinds;
        role = value('detector_role');
      } else {
        return null;
      }
      if (role) condition.role = role;
      return condition;
    };

    var previous = mode.value;
    var show = function () {
      panels.forEach(function (panel) { panel.hidden = panel.getAttribute('data-mode') !== mode.value; });
      // Switching to JSON carries the friendly condition over, to refine it (any/all/not, metadata, …).
      if (mode.value === 'json' && previous !== 'json') {
        var condition = friendly(previous);
        if (condition) conditionBox.value = JSON.stringify(condition, null, 2);
      }
      previous = mode.value;
    };
    var showKinds = function () {
      kindsHint.forEach(function (hint) { hint.hidden = hint.getAttribute('data-detector') !== detector.value; });
    };
    mode.addEventListener('change', show);
    if (detector) detector.addEventListener('change', showKinds);
    show();
    showKinds();

    // Dry run in place: post the form as it is, and swap in the results (and any field errors) of the answer.
    var button = document.getElementById('dry-run');
    var results = document.getElementById('dry-run-results');
    if (button && results && window.fetch && window.DOMParser && window.URLSearchParams) {
      button.addEventListener('click', function (event) {
        event.preventDefault();
        var body = new URLSearchParams(new FormData(form));
        body.set('action', 'dry-run');
        results.classList.add('loading');
        button.disabled = true;
        // The form's "action" attribute: form.action would be the submit buttons named "action".
        fetch(form.getAttribute('action'), {
          method: 'POST', credentials: 'same-origin', body: body,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' }
        }).then(function (response) {
          return response.text().then(function (html) { return { status: response.status, html: html }; });
        }).then(function (answer) {
          var page = new DOMParser().parseFromString(answer.html, 'text/html');
          var fresh = page.getElementById('dry-run-results');
          document.querySelectorAll('.field-error').forEach(function (old) { old.remove(); });
          var layout = document.querySelector('.rule-layout');
          page.querySelectorAll('.field-error').forEach(function (error) {
            layout.parentNode.insertBefore(document.importNode(error, true), layout);
          });
          if (fresh) {
            results.innerHTML = fresh.innerHTML;
          } else {
            results.innerHTML = '';
            var message = document.createElement('p');
            message.className = 'flash flash-error';
            var heading = page.querySelector('h1');
            message.textContent = 'The dry run failed' + (heading ? ': ' + heading.textContent.trim() : ' (HTTP ' + answer.status + ')') + '.';
            results.appendChild(message);
          }
        }).catch(function () {
          results.innerHTML = '';
          var message = document.createElement('p');
          message.className = 'flash flash-error';
          message.textContent = 'The dry run could not reach the server. Try again.';
          results.appendChild(message);
        }).then(function () {
          results.classList.remove('loading');
          button.disabled = false;
        });
      });
    }
  }

  // The new API key: a copy button.
  document.querySelectorAll('[data-copy]').forEach(function (copy) {
    var source = document.querySelector(copy.getAttribute('data-copy'));
    if (!source || !navigator.clipboard) return;
    copy.hidden = false;
    copy.addEventListener('click', function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        copy.textContent = 'Copied';
        window.setTimeout(function () { copy.textContent = 'Copy'; }, 2000);
      });
    });
  });
})();
