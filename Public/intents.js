// Intents: keyboard labelling on /intents/label. Progressive enhancement only: without this file the page is a
// plain form (radio buttons, Save and Skip buttons) and works the same.
//
// Keys (when not typing in a field): 1–9 pick the n-th intent of the filtered list, 0 out of scope, j/k or the
// arrows move the choice, Enter saves, s skips, / filters (app.js focuses the search field). In the filter
// field, typing narrows the list, the arrows move, Enter saves the highlighted intent, Escape leaves.
(function () {
  'use strict';

  var form = document.getElementById('label-form');
  if (!form) return;
  var filter = document.getElementById('intent-filter');
  var list = document.getElementById('label-choices');
  var noMatch = document.getElementById('no-match');
  var save = document.getElementById('save-label');
  var skip = document.getElementById('skip');
  var items = Array.prototype.slice.call(list.querySelectorAll('.label-choice'));
  var outOfScope = form.querySelector('.label-choice.out-of-scope');

  function radio(item) { return item.querySelector('input[type="radio"]'); }
  function visible() { return items.filter(function (item) { return !item.hidden; }); }
  function checked() {
    var all = items.concat(outOfScope ? [outOfScope] : []);
    for (var i = 0; i < all.length; i++) if (radio(all[i]).checked) return all[i];
    return null;
  }

  function mark(item) {
    items.concat(outOfScope ? [outOfScope] : []).forEach(function (other) { other.classList.remove('current'); });
    if (item) item.classList.add('current');
  }

  function choose(item) {
    if (!item) return;
    radio(item).checked = true;
    mark(item);
    if (item.scrollIntoView) item.scrollIntoView({ block: 'nearest' });
  }

  // Numbers follow the filtered list: the first nine visible intents get 1–9.
  function renumber() {
    var shown = visible();
    items.forEach(function (item) { item.querySelector('.choice-key').textContent = ''; });
    shown.forEach(function (item, index) {
      if (index < 9) item.querySelector('.choice-key').textContent = String(index + 1);
    });
    if (noMatch) noMatch.hidden = shown.length > 0;
  }

  function applyFilter() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    items.forEach(function (item) {
      var text = (item.getAttribute('data-name') || '').toLowerCase();
      item.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
    });
    renumber();
    var current = checked();
    var shown = visible();
    // Keep the choice on something the reviewer can see.
    if (words.length && shown.length && (!current || current.hidden || current === outOfScope)) choose(shown[0]);
  }

  function move(step) {
    var order = visible().concat(outOfScope ? [outOfScope] : []);
    if (!order.length) return;
    var index = order.indexOf(checked());
    index = index < 0 ? (step > 0 ? 0 : order.length - 1) : Math.max(0, Math.min(order.length - 1, index + step));
    choose(order[index]);
  }

  function submit(button) {
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  function isTyping(element) {
    return element && (element.isContentEditable || /^(TEXTAREA|SELECT)$/.test(element.tagName)
      || (element.tagName === 'INPUT' && !/^(radio|checkbox|button|submit)$/.test(element.type)));
  }

  if (filter) {
    filter.hidden = false;
    filter.addEventListener('input', applyFilter);
    filter.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        move(event.key === 'ArrowDown' ? 1 : -1);
      } else if (event.key === 'Enter') {
        event.preventDefault();
        if (checked()) submit(save);
      }
    });
  }

  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var key = event.key;
    if (/^[1-9]$/.test(key)) {
      var target = visible()[Number(key) - 1];
      if (target) { event.preventDefault(); choose(target); }
    } else if (key === '0') {
      event.preventDefault();
      choose(outOfScope);
    } else if (key === 'j' || key === 'ArrowDown') {
      event.preventDefault();
      move(1);
    } else if (key === 'k' || key === 'ArrowUp') {
      event.preventDefault();
      move(-1);
    } else if (key === 's') {
      event.preventDefault();
      submit(skip);
    } else if (key === 'Enter') {
      // A focused link or button keeps its own Enter.
      if (/^(A|BUTTON|SUMMARY)$/.test(event.target.tagName)) return;
      event.preventDefault();
      if (checked()) submit(save);
      else if (filter) filter.focus();
    }
  });

  form.addEventListener('change', function (event) {
    if (event.target.name === 'intent') mark(checked());
  });
  mark(checked());
  renumber();
})();
