// Accessibility repairs to markup that Dash's own components render, and text alternatives for the charts.
(function () {
  // A chart's summary (layout.meta.summary, built with the figure) as text in the hidden paragraph beside it.
  // The summary's user text is entity-escaped for Plotly; parsing it as HTML and taking the text decodes that.
  function summaryText(chart) {
    const summary = chart.layout && chart.layout.meta && chart.layout.meta.summary;
    return summary ? new DOMParser().parseFromString(summary, 'text/html').documentElement.textContent : '';
  }

  function describeChart(chart) {
    const holder = chart.closest('.optior-chart');
    const note = holder && holder.querySelector('.optior-chart-summary');
    if (note) note.textContent = summaryText(chart);
  }

  function repair(root) {
    // The date pickers' wrapper carries aria-expanded, which only some roles allow: it groups the inputs.
    root.querySelectorAll('.dash-datepicker-input-wrapper:not([role])').forEach((el) => el.setAttribute('role', 'group'));
    // The dropdowns' hidden focus target is aria-hidden yet reachable with Tab: take it out of the tab order.
    root.querySelectorAll('input.dash-dropdown-focus-target:not([tabindex="-1"])')
      .forEach((el) => el.setAttribute('tabindex', '-1'));
    // File inputs that components render without a label take it from their wrapper's data-input-label.
    root.querySelectorAll('[data-input-label] input:not([aria-label])')
      .forEach((el) => el.setAttribute('aria-label', el.closest('[data-input-label]').dataset.inputLabel));
    root.querySelectorAll('.js-plotly-plot:not([data-described])').forEach((chart) => {
      chart.setAttribute('data-described', '');
      if (chart.on) chart.on('plotly_afterplot', () => describeChart(chart));
      describeChart(chart);
    });
  }

  new MutationObserver(() => repair(document)).observe(
    document.documentElement, {childList: true, subtree: true, attributes: true, attributeFilter: ['tabindex']});
})();
