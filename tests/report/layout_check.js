// The markers are split so the script's own text never matches them in the dumped DOM.
// Injected into a copy of the HTML report by browser.cmake: measures the page as Chromium
// laid it out and writes one line the test reads from the dumped DOM.
window.addEventListener('load', () => {
  const width = window.innerWidth;
  const charts = Array.from(document.querySelectorAll('svg.chart'));
  let drawn = 0, clipped = [], overflow = [];
  for (const svg of charts) {
    const box = svg.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && svg.querySelectorAll('rect, polyline').length > 0) drawn++;
    const vb = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.x < -0.5 || b.x + b.width > vb.width + 0.5 || b.y < -0.5 || b.y + b.height > vb.height + 0.5)
        clipped.push(t.textContent);
    }
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 0.5) overflow.push(el.tagName + ' ' + Math.round(r.right));
  }
  const out = document.createElement('pre');
  out.id = 'dtx-layout';
  out.textContent = 'DTX-' + 'LAYOUT charts=' + charts.length + ' drawn=' + drawn +
      ' viewport=' + width + ' scrollWidth=' + document.documentElement.scrollWidth +
      ' overflowing=' + overflow.length + ' clipped_labels=' + clipped.length +
      ' first_overflow=[' + overflow.slice(0, 3).join('; ') + ']' +
      ' first_clipped=[' + clipped.slice(0, 3).join('; ') + '] ' + 'END';
  document.body.appendChild(out);
});
