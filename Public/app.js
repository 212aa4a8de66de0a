// Parley dashboard: progressive enhancement only. Every page and form works without this file.
(function () {
  'use strict';

  function isTyping(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  // Times are rendered in UTC on the server; show them in the reader's time zone.
  var formatter = window.Intl ? new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : null;
  document.querySelectorAll('time[datetime]').forEach(function (element) {
    var date = new Date(element.getAttribute('datetime'));
    if (!formatter || isNaN(date.getTime())) return;
    var local = formatter.format(date);
    if (element.title) element.title = local; else element.textContent = local;
  });

  // A select marked data-autosubmit sends its form on change; its "Go" button is then unnecessary.
  document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
    var button = select.form && select.form.querySelector('[data-autosubmit-button]');
    if (button) button.hidden = true;
    select.addEventListener('change', function () {
      if (select.form.requestSubmit) select.form.requestSubmit(); else select.form.submit();
    });
  });

  // Forms marked data-confirm ask first.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });

  // "/" focuses the search field; Escape leaves it.
  document.addEventListener('keydown', function (event) {
    var search = document.querySelector('input[type="search"]');
    if (!search) return;
    if (event.key === '/' && !isTyping(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === 'Escape' && event.target === search) {
      search.blur();
    }
  });
})();
