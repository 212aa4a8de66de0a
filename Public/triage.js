// Parley triage: keyboard shortcuts on the queue (/triage) and on an item (/triage/{id}).
// Progressive enhancement only: every action is a plain form of the page and works without this file; here the
// same forms are sent with `Accept: application/json` (queue) or submitted as they are (item page).
(function () {
  'use strict';

  var queue = document.querySelector('[data-triage-queue]');
  var item = document.querySelector('[data-triage-item]');
  if (!queue && !item) return;

  function isTyping(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  function csrf() {
    var field = document.querySelector('input[name="_csrf"]');
    return field ? field.value : '';
  }

  // A short message at the bottom of the window (polite live region).
  var toast = document.createElement('div');
  toast.className = 'triage-toast';
  toast.setAttribute('role', 'status');
  toast.setAttribute('aria-live', 'polite');
  document.body.appendChild(toast);
  var toastTimer = null;
  function say(message, isError) {
    toast.textContent = message;
    toast.classList.toggle('error', !!isError);
    toast.classList.add('visible');
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () { toast.classList.remove('visible'); }, 3200);
  }

  // Sends a form's fields (plus extra ones) to `action`; resolves with the server's {ok, message, location}.
  function send(action, fields) {
    var body = new URLSearchParams();
    body.append('_csrf', csrf());
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    return fetch(action, {
      method: 'POST', credentials: 'same-origin', body: body,
      headers: { Accept: 'application/json', 'X-CSRF-Token': csrf() }
    }).then(function (response) {
      var type = response.headers.get('Content-Type') || '';
      if (!/json/.test(type)) throw new Error(response.status === 403 ? 'Not allowed (reviewers only), or signed out.' : 'The server answered ' + response.status + '.');
      return response.json();
    }).then(function (answer) {
      say(answer.message, !answer.ok);
      return answer;
    }).catch(function (error) {
      say(error.message || 'Could not reach Parley.', true);
      return { ok: false };
    });
  }

  // The help dialog (?): the shortcuts of this page.
  var shortcuts = queue ? [
    ['j / k', 'Next / previous item'], ['Enter or o', 'Open the item'], ['a', 'Assign to me'],
    ['r', 'Resolve'], ['d', 'Dismiss'], ['1 – 5', 'Rate ' + (queue.getAttribute('data-rate-name') || 'the item')],
    ['x', 'Check for a bulk action'], ['?', 'Show or hide this help'], ['/', 'Go to the filters']
  ] : [
    ['1 – 5', 'Rate the highlighted line, then go to the next'], ['↑ / ↓', 'Highlight another rating line'],
    ['a', 'Assign to me'], ['r', 'Resolve (then the next item)'], ['d', 'Dismiss (then the next item)'],
    ['n or j', 'Next item'], ['u or k', 'Back to the queue'], ['c', 'Write a comment'], ['?', 'Show or hide this help']
  ];
  var help = document.createElement('div');
  help.className = 'shortcut-help';
  help.id = 'shortcut-help';
  help.hidden = true;
  help.setAttribute('role', 'dialog');
  help.setAttribute('aria-label', 'Keyboard shortcuts');
  var card = document.createElement('div');
  card.className = 'card';
  var title = document.createElement('h2');
  title.textContent = 'Keyboard shortcuts';
  card.appendChild(title);
  var list = document.createElement('dl');
  shortcuts.forEach(function (entry) {
    var key = document.createElement('dt');
    entry[0].split(' ').forEach(function (part) {
      if (part === '/' && entry[0] !== '/' || part === 'or' || part === '–') {
        key.appendChild(document.createTextNode(' ' + part + ' '));
      } else {
        var kbd = document.createElement('kbd');
        kbd.textContent = part;
        key.appendChild(kbd);
      }
    });
    var what = document.createElement('dd');
    what.textContent = entry[1];
    list.appendChild(key);
    list.appendChild(what);
  });
  card.appendChild(list);
  var close = document.createElement('p');
  close.className = 'muted small';
  close.textContent = 'Esc closes this. Shortcuts are off while you type in a field.';
  card.appendChild(close);
  help.appendChild(card);
  document.body.appendChild(help);
  function toggleHelp(show) {
    help.hidden = show === undefined ? !help.hidden : !show;
  }
  help.addEventListener('click', function (event) { if (event.target === help) toggleHelp(false); });
  document.querySelectorAll('[data-shortcut-help]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () { toggleHelp(); });
  });
  document.querySelectorAll('.shortcut-hint').forEach(function (hint) { hint.hidden = false; });

  // The queue: a current row (j/k), actions on it, checkboxes for bulk actions.
  var rows = queue ? Array.prototype.slice.call(queue.querySelectorAll('tr.triage-row')) : [];
  var current = -1;
  function select(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (rows[current]) { rows[current].classList.remove('is-current'); rows[current].removeAttribute('aria-current'); }
    current = index;
    rows[current].classList.add('is-current');
    rows[current].setAttribute('aria-current', 'true');
    rows[current].scrollIntoView({ block: 'nearest' });
    try { window.sessionStorage.setItem('triage-current', rows[current].getAttribute('data-item')); } catch (e) { /* private mode */ }
  }
  function currentRow() { return rows[current] || null; }

  function setStatus(row, status, title) {
    row.setAttribute('data-status', status);
    var badge = row.querySelector('[data-status-badge]');
    if (badge) { badge.className = 'badge triage-status status-' + status; badge.textContent = title; }
  }
  function setMine(row) {
    var cell = row.querySelector('[data-assignee]');
    if (!cell) return;
    cell.textContent = '';
    var me = document.querySelector('.account .who strong');
    var name = me ? me.textContent : 'You';
    var avatar = document.createElement('span');
    avatar.className = 'avatar small';
    avatar.setAttribute('aria-hidden', 'true');
    avatar.textContent = name.charAt(0).toUpperCase();
    var label = document.createElement('span');
    label.textContent = name;
    cell.appendChild(avatar);
    cell.appendChild(label);
  }

  function act(row, path, fields, done) {
    var id = row.getAttribute('data-item');
    send('/triage/' + id + '/' + path, fields).then(function (answer) { if (answer.ok) done(row); });
  }

  var selectedCount = queue && queue.querySelector('[data-selected-count]');
  function updateSelected() {
    if (!selectedCount) return;
    var n = queue.querySelectorAll('input[name="item"]:checked').length;
    selectedCount.textContent = n ? n + ' checked' : '';
    rows.forEach(function (row) {
      var box = row.querySelector('input[name="item"]');
      row.classList.toggle('is-checked', !!(box && box.checked));
    });
  }

  if (queue) {
    queue.addEventListener('change', function (event) { if (event.target.name === 'item') updateSelected(); });
    rows.forEach(function (row, index) {
      row.addEventListener('click', function (event) {
        if (event.target.closest('a, button, input, label')) return;
        select(index);
      });
    });
    // The bulk bar's priority select only matters for "Set priority…".
    var bulkAction = queue.querySelector('#bulk-action');
    var bulkPriority = queue.querySelector('#bulk-priority');
    var syncPriority = function () { if (bulkAction && bulkPriority) bulkPriority.hidden = bulkAction.value !== 'priority'; };
    if (bulkAction) bulkAction.addEventListener('change', syncPriority);
    syncPriority();
    // Coming back to the queue keeps the row you were on.
    var remembered = null;
    try { remembered = window.sessionStorage.getItem('triage-current'); } catch (e) { /* private mode */ }
    var start = rows.findIndex(function (row) { return row.getAttribute('data-item') === remembered; });
    if (rows.length) select(start >= 0 ? start : 0);
  }

  // An item: 1–5 rate the highlighted rating line; the rest submits the page's own forms.
  var criteria = item ? Array.prototype.slice.call(item.querySelectorAll('fieldset.criterion')) : [];
  var activeCriterion = 0;
  function highlightCriterion(index) {
    if (!criteria.length) return;
    activeCriterion = (index + criteria.length) % criteria.length;
    criteria.forEach(function (fieldset, i) { fieldset.classList.toggle('is-active', i === activeCriterion); });
  }
  if (item) {
    criteria.forEach(function (fieldset, index) {
      fieldset.addEventListener('click', function () { highlightCriterion(index); });
    });
    var firstUnrated = criteria.findIndex(function (fieldset) { return !fieldset.querySelector('input:checked'); });
    highlightCriterion(firstUnrated >= 0 ? firstUnrated : 0);
  }

  function rateOnItem(score) {
    var fieldset = criteria[activeCriterion];
    if (!fieldset) return;
    var key = fieldset.getAttribute('data-criterion');
    var radio = fieldset.querySelector('input[value="' + score + '"]');
    if (radio) radio.checked = true;
    var fields = {};
    fields['score.' + key] = String(score);
    send('/triage/' + item.getAttribute('data-item') + '/rate', fields).then(function (answer) {
      if (answer.ok) {
        fieldset.classList.add('is-saved');
        if (activeCriterion < criteria.length - 1) highlightCriterion(activeCriterion + 1);
      }
    });
  }

  function submit(form, button) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(button || undefined); else form.submit();
  }

  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape' && !help.hidden) { toggleHelp(false); return; }
    if (isTyping(event.target)) return;
    var key = event.key;
    if (key === '?') { event.preventDefault(); toggleHelp(); return; }
    if (!help.hidden) return;

    if (queue) {
      var row = currentRow();
      if (key === 'j' || key === 'ArrowDown') { event.preventDefault(); select(current + 1); }
      else if (key === 'k' || key === 'ArrowUp') { event.preventDefault(); select(current - 1); }
      else if ((key === 'Enter' || key === 'o') && row) { event.preventDefault(); window.location.href = row.getAttribute('data-url'); }
      else if (key === 'x' && row) {
        var box = row.querySelector('input[name="item"]');
        if (box) { box.checked = !box.checked; updateSelected(); }
      }
      else if (key === 'a' && row) act(row, 'assign', { to: 'me' }, setMine);
      else if (key === 'r' && row) act(row, 'status', { to: 'resolved' }, function (r) { setStatus(r, 'resolved', 'Resolved'); select(current + 1); });
      else if (key === 'd' && row) act(row, 'status', { to: 'dismissed' }, function (r) { setStatus(r, 'dismissed', 'Dismissed'); select(current + 1); });
      else if (/^[1-5]$/.test(key) && row) {
        var rubric = queue.getAttribute('data-rate-key');
        if (!rubric) return;
        var fields = {};
        fields['score.' + rubric] = key;
        act(row, 'rate', fields, function () {});
      }
      else if (key === '/') {
        var filter = document.getElementById('filter-assignee');
        if (filter) { event.preventDefault(); filter.focus(); }
      }
      return;
    }

    // The item page.
    if (/^[1-5]$/.test(key)) { event.preventDefault(); rateOnItem(Number(key)); }
    else if (key === 'ArrowDown' && criteria.length) { event.preventDefault(); highlightCriterion(activeCriterion + 1); }
    else if (key === 'ArrowUp' && criteria.length) { event.preventDefault(); highlightCriterion(activeCriterion - 1); }
    else if (key === 'a') {
      var mine = document.getElementById('assign-me');
      if (mine) submit(mine.form, mine); else say('Already assigned to you.');
    }
    else if (key === 'r' || key === 'd') {
      var button = document.getElementById(key === 'r' ? 'resolve' : 'dismiss');
      if (button) submit(button.form, button); else say('This item is closed; reopen it first.', true);
    }
    else if (key === 'n' || key === 'j') {
      var next = item.getAttribute('data-next-url');
      if (next) window.location.href = next; else say('This is the last item of the view.');
    }
    else if (key === 'u' || key === 'k') { window.location.href = item.getAttribute('data-queue-url') || '/triage'; }
    else if (key === 'c') {
      var comment = document.getElementById('comment-body');
      if (comment) { event.preventDefault(); comment.focus(); }
    }
  });
})();
