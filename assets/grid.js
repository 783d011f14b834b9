// Tables (AG Grid): the CSV rule for every exported cell, and the Export buttons beside the grids.
(function () {
  const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
  const FORMULA_START = /^[=+\-@\t\r]/;

  window.dashAgGridFunctions = window.dashAgGridFunctions || {};

  // A text cell a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) gets a leading
  // single quote, so it shows as text (OWASP's advice for CSV injection); numbers, even negative, stay numbers.
  window.dashAgGridFunctions.formulaSafeCell = function (params) {
    const value = params.value;
    if (value === null || value === undefined) return '';
    if (typeof value === 'number') return String(value);
    const text = String(value);
    return FORMULA_START.test(text) && !NUMBER.test(text) ? "'" + text : text;
  };

  // <button data-grid-export="GRID_ID">: export the rows the grid shows (after filter and sort) as CSV,
  // with the grid's defaultCsvExportParams (file name, formulaSafeCell).
  document.addEventListener('click', function (event) {
    const button = event.target.closest && event.target.closest('[data-grid-export]');
    if (!button) return;
    window.dash_ag_grid.getApiAsync(button.dataset.gridExport).then(function (api) {
      api.exportDataAsCsv();
    });
  });
})();
