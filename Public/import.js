// Import page: sends the upload form with XMLHttpRequest so the upload shows its progress, then opens the import's
// page (which follows the job live). Without JavaScript the same form posts normally.
(function () {
  'use strict';

  var form = document.getElementById('upload-form');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var input = document.getElementById('import-file');
  var dropzone = document.getElementById('dropzone');
  var chosen = document.getElementById('chosen-file');
  var box = document.getElementById('upload-progress');
  var bar = document.getElementById('upload-bar');
  var percent = document.getElementById('upload-percent');
  var label = document.getElementById('upload-label');
  var detail = document.getElementById('upload-detail');
  var errorBox = document.getElementById('upload-error');
  var button = document.getElementById('upload-button');
  var csv = document.getElementById('csv-columns');
  var format = document.getElementById('import-format');
  var maxBytes = parseInt(form.getAttribute('data-max-bytes'), 10) || 0;
  var maxSize = form.getAttribute('data-max-size') || '';

  function size(bytes) {
    if (bytes < 1024) return bytes + ' bytes';
    var units = ['KB', 'MB', 'GB'];
    var value = bytes;
    var unit = -1;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (value < 10 ? value.toFixed(1) : Math.round(value)) + ' ' + units[unit];
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function tooLarge(file) {
    return file.name + ' is ' + size(file.size) + '; the dashboard takes files up to ' + maxSize +
      '. Compress it (.gz), split it, or import it with `parley import`.';
  }

  function describe() {
    var file = input.files && input.files[0];
    errorBox.hidden = true;
    chosen.textContent = file ? file.name + ' · ' + size(file.size) : '';
    dropzone.classList.toggle('has-file', !!file);
    if (!file) return;
    if (maxBytes && file.size > maxBytes) showError(tooLarge(file));
    // A CSV file: offer its column mapping.
    if (/\.csv(\.gz)?$/i.test(file.name) && csv) csv.open = true;
  }

  input.addEventListener('change', describe);
  ['dragenter', 'dragover'].forEach(function (name) {
    dropzone.addEventListener(name, function (event) {
      event.preventDefault();
      dropzone.classList.add('dragging');
    });
  });
  ['dragleave', 'drop'].forEach(function (name) {
    dropzone.addEventListener(name, function () { dropzone.classList.remove('dragging'); });
  });
  dropzone.addEventListener('drop', function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      describe();
    }
  });
  if (format && csv) {
    format.addEventListener('change', function () { if (format.value === 'csv') csv.open = true; });
  }

  function reset() {
    button.disabled = false;
    form.classList.remove('uploading');
    box.hidden = true;
  }

  function fail(message) {
    reset();
    showError(message);
  }

  // The message of an answer that is not the import's page: a flash on /import, or an error page.
  function messageOf(html, status) {
    try {
      var page = new DOMParser().parseFromString(html, 'text/html');
      var flash = page.querySelector('.flash');
      if (flash) return { text: flash.textContent.trim(), error: flash.classList.contains('flash-error') };
      var error = page.querySelector('.error-card h1');
      var why = page.querySelector('.error-card h1 + p');
      if (error) return { text: error.textContent.trim() + (why ? '. ' + why.textContent.trim() : ''), error: true };
    } catch (ignored) { /* fall through */ }
    return { text: 'The upload failed (HTTP ' + status + '). Try again, or reload the page.', error: true };
  }

  form.addEventListener('submit', function (event) {
    var file = input.files && input.files[0];
    if (!file) return;
    event.preventDefault();
    errorBox.hidden = true;
    if (maxBytes && file.size > maxBytes) { showError(tooLarge(file)); return; }

    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'text/html');
    xhr.upload.addEventListener('progress', function (progress) {
      if (!progress.lengthComputable) return;
      var share = Math.min(100, Math.round(progress.loaded * 100 / progress.total));
      bar.value = share;
      bar.textContent = share + '%';
      percent.textContent = share + '%';
      detail.textContent = size(progress.loaded) + ' of ' + size(progress.total) + ' sent';
    });
    xhr.upload.addEventListener('load', function () {
      bar.value = 100;
      percent.textContent = '100%';
      label.textContent = 'Uploaded · checking the file…';
    });
    xhr.addEventListener('load', function () {
      var url = xhr.responseURL || '';
      if (xhr.status === 200 && /\/import\/\d+$/.test(url.split('?')[0])) {
        label.textContent = 'Uploaded · opening the import…';
        window.location.assign(url);
        return;
      }
      if (xhr.status === 413) { fail(tooLarge(file)); return; }
      var message = messageOf(xhr.responseText, xhr.status);
      fail(message.text);
    });
    xhr.addEventListener('error', function () {
      fail('The upload was interrupted before the server answered. Check the connection and try again.');
    });
    xhr.addEventListener('abort', reset);

    label.textContent = 'Uploading ' + file.name + '…';
    bar.value = 0;
    percent.textContent = '0%';
    detail.textContent = size(file.size);
    box.hidden = false;
    button.disabled = true;
    form.classList.add('uploading');
    xhr.send(new FormData(form));
  });
})();
