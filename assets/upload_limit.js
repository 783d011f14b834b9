// The Data page's upload: dcc.Upload silently drops a file over its max_size, so say so beside the drop zone.
// The zone's wrapper carries the limit (data-max-bytes) and its readable form (data-max-label).
(function () {
  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + ' MB';
  }

  function checkSize(event) {
    const zone = event.target.closest && event.target.closest('[data-max-bytes]');
    if (!zone) return;
    const files = Array.from((event.dataTransfer && event.dataTransfer.files) || event.target.files || []);
    const tooLarge = files.find((file) => file.size > Number(zone.dataset.maxBytes));
    const note = zone.querySelector('.upload-too-large');
    note.textContent = tooLarge
      ? `${tooLarge.name} is ${megabytes(tooLarge.size)}, over the ${zone.dataset.maxLabel} limit, so it was not ` +
        'imported. Import it on the server with python -m optior seed --csv FILE instead.'
      : '';
    note.hidden = !tooLarge;
  }

  document.addEventListener('drop', checkSize, true);
  document.addEventListener('change', checkSize, true);
})();
