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

  // Live job progress: elements marked data-job-id (jobs page, clustering banner) follow /jobs.json every 2 s
  // while one of them is queued or running; when a job's status changes the page reloads to show the result.
  // Without JavaScript the pages show the progress at load time and a reload refreshes it.
  var watched = document.querySelectorAll('[data-job-id]');
  function isActive(status) { return status === 'queued' || status === 'running'; }
  function anyActive() {
    return Array.prototype.some.call(watched, function (element) {
      return isActive(element.getAttribute('data-job-status'));
    });
  }
  if (watched.length && anyActive() && window.fetch) {
    var failures = 0;
    var poll = function () {
      if (document.hidden) { window.setTimeout(poll, 2000); return; }
      fetch('/jobs.json', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) {
          if (!response.ok || !/json/.test(response.headers.get('Content-Type') || '')) throw new Error('status ' + response.status);
          return response.json();
        })
        .then(function (snapshot) {
          failures = 0;
          var byID = {};
          snapshot.jobs.forEach(function (job) { byID[job.id] = job; });
          var changed = false;
          watched.forEach(function (element) {
            var job = byID[element.getAttribute('data-job-id')];
            var before = element.getAttribute('data-job-status');
            if (!job) { if (isActive(before)) changed = true; return; }
            if (job.status !== before) changed = true;
            var bar = element.querySelector('.job-progress');
            if (bar) { bar.value = job.progress; bar.textContent = job.progress + '%'; }
            var percent = element.querySelector('.job-percent');
            if (percent) percent.textContent = job.progress + '%';
            var message = element.querySelector('.job-message');
            if (message && job.message) message.textContent = job.message;
          });
          // The jobs page (data-job-list) also reloads when new jobs started.
          var listed = document.querySelectorAll('[data-job-list] [data-job-id]').length;
          if (changed || (document.querySelector('[data-job-list]') && snapshot.active > listed)) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 2000);
          }
        })
        .catch(function () {
          // Signed out or the server is restarting: back off, give up after a while (a reload still works).
          failures += 1;
          if (failures < 10) window.setTimeout(poll, 2000 * failures);
        });
    };
    window.setTimeout(poll, 2000);
  }

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
