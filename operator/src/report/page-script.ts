/**
 * The report page's own script: lays a StudyView out in ECharts charts and a sortable table. It
 * runs in the browser, so the HTML inlines `reportPage.toString()`: everything it uses is inside
 * the one function (no imports, no outer names but the page's globals). The charts are ECharts'
 * own; nothing here draws.
 */
/* eslint-disable */
// The browser's globals, untyped here: the operator's TypeScript has no DOM library.
declare const echarts: any;
declare const document: any;
declare const window: any;

export function reportPage(initialView: any, live: { url: string; intervalMs: number } | null): void {
  const COLORS: Record<string, string> = {
    Succeeded: '#2f6fdb',
    EarlyStopped: '#8e44ad',
    Pruned: '#e67e22',
    Failed: '#c0392b',
    Running: '#27ae60',
    Pending: '#9e9e9e',
  };
  const charts = new Map<string, any>();
  const pendingFinish = new Set<string>();
  const sortState = { key: 'number', ascending: true };
  let current = initialView;
  const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const fmt = (value: unknown) => {
    if (typeof value !== 'number') return value === undefined || value === null ? '-' : String(value);
    if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return value.toExponential(3);
    return String(Number(value.toPrecision(5)));
  };

  function chart(id: string): any {
    let instance = charts.get(id);
    if (!instance) {
      instance = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
      instance.on('finished', () => {
        pendingFinish.delete(id);
        if (pendingFinish.size === 0) markReady();
      });
      charts.set(id, instance);
    }
    return instance;
  }

  function show(id: string, option: any): void {
    pendingFinish.add(id);
    chart(id).setOption(
      { animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option },
      { notMerge: true },
    );
  }

  function markReady(): void {
    window.__lorahpoReport = {
      ready: true,
      charts: charts.size,
      renderMs: performance.now(),
      trials: current.trials.length,
      timings,
    };
  }

  function objectiveAxis(view: any): any {
    return { type: 'value', name: view.study.metric, scale: true, nameTextStyle: { align: 'left' } };
  }

  function drawHistory(view: any): void {
    const byState = (state: string) =>
      view.history.points.filter((p: any) => p.state === state).map((p: any) => [p.number, p.value]);
    const values = view.history.points.map((p: any) => p.value);
    const floor = values.length ? Math.min(...values) : 0;
    const scatter = (state: string, symbol: string) => ({
      name: state,
      type: 'scatter',
      symbol,
      symbolSize: 7,
      itemStyle: { color: COLORS[state] },
      data: byState(state),
    });
    show('chart-history', {
      title: {
        text: 'Optimisation history',
        subtext: `best so far over complete trials; ${view.study.direction}`,
        left: 8,
      },
      tooltip: {
        trigger: 'item',
        formatter: (p: any) => `trial ${p.value[0]}: ${esc(p.seriesName)} ${fmt(p.value[1])}`,
      },
      legend: { top: 8, right: 8 },
      grid: { left: 64, right: 24, top: 70, bottom: 40 },
      xAxis: { type: 'value', name: 'trial', minInterval: 1 },
      yAxis: objectiveAxis(view),
      series: [
        scatter('Succeeded', 'circle'),
        scatter('EarlyStopped', 'diamond'),
        scatter('Pruned', 'triangle'),
        scatter('Running', 'rect'),
        {
          name: 'Failed',
          type: 'scatter',
          symbol: 'pin',
          symbolSize: 12,
          itemStyle: { color: COLORS.Failed },
          data: view.history.failed.map((n: number) => [n, floor]),
        },
        {
          name: 'best so far',
          type: 'line',
          step: 'end',
          showSymbol: false,
          lineStyle: { width: 2, color: '#111' },
          data: view.history.bestSoFar,
        },
      ],
    });
  }

  function paramAxis(parameter: any, index: number): any {
    const base = { dim: index, name: parameter.name, nameLocation: 'end' };
    if (parameter.type === 'categorical') return { ...base, type: 'category', data: parameter.categories };
    return { ...base, type: parameter.log ? 'log' : 'value', scale: true };
  }

  function completeRows(view: any): any[] {
    return view.trials.filter(
      (t: any) => (t.state === 'Succeeded' || t.state === 'EarlyStopped') && typeof t.value === 'number',
    );
  }

  function valueRange(rows: any[]): [number, number] {
    const values = rows.map((r: any) => r.value);
    return values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  }

  function drawParallel(view: any): void {
    const rows = completeRows(view);
    const dims = view.parameters.length;
    const [low, high] = valueRange(rows);
    show('chart-parallel', {
      title: {
        text: 'Parallel coordinates',
        subtext: 'complete trials; colour: objective (darker is better)',
        left: 8,
      },
      parallel: { left: 60, right: 90, top: 80, bottom: 30 },
      parallelAxis: [
        ...view.parameters.map(paramAxis),
        { dim: dims, name: view.study.metric, type: 'value', scale: true },
      ],
      visualMap: {
        type: 'continuous',
        dimension: dims,
        min: low,
        max: high,
        inverse: view.study.direction === 'maximize',
        inRange: { color: ['#08306b', '#4292c6', '#c6dbef'] },
        right: 0,
        top: 80,
        calculable: true,
      },
      series: [
        {
          type: 'parallel',
          lineStyle: { width: 1, opacity: 0.5 },
          data: rows.map((r: any) => [
            ...view.parameters.map((p: any) =>
              p.type === 'categorical' ? String(r.params[p.name]) : r.params[p.name],
            ),
            r.value,
          ]),
        },
      ],
    });
  }

  function drawImportance(view: any): void {
    const values = [...view.importance.values].reverse();
    show('chart-importance', {
      title: {
        text: `Parameter importance (${view.importance.method})`,
        subtext: values.length
          ? `from ${view.importance.trialsUsed} complete trials: top 10 % vs all`
          : 'needs at least 4 complete trials',
        left: 8,
      },
      tooltip: { trigger: 'item', formatter: (p: any) => `${esc(p.name)}: ${fmt(p.value)}` },
      grid: { left: 120, right: 40, top: 70, bottom: 30 },
      xAxis: { type: 'value', name: 'share', max: 1 },
      yAxis: { type: 'category', data: values.map((v: any) => v.name) },
      series: [
        {
          type: 'bar',
          itemStyle: { color: '#2f6fdb' },
          data: values.map((v: any) => Number(v.importance.toFixed(4))),
          label: { show: true, position: 'right', formatter: (p: any) => `${(p.value * 100).toFixed(1)} %` },
        },
      ],
    });
  }

  /** All slices in one chart, a grid each (one canvas instead of one per parameter). */
  function drawSlices(view: any): void {
    const perRow = 3;
    const rowHeight = 280;
    const rowCount = Math.max(1, Math.ceil(view.parameters.length / perRow));
    const host = document.getElementById('chart-slices');
    if (host.style.height !== `${rowCount * rowHeight}px`) {
      host.style.height = `${rowCount * rowHeight}px`;
      chart('chart-slices').resize();
    }
    const rows = completeRows(view);
    const cell = (i: number) => ({
      left: `${((i % perRow) * 100) / perRow + 4}%`,
      width: `${100 / perRow - 7}%`,
      top: Math.floor(i / perRow) * rowHeight + 40,
      height: rowHeight - 80,
    });
    show('chart-slices', {
      title: view.parameters.map((p: any, i: number) => ({
        text: `Slice: ${p.name}`,
        textStyle: { fontSize: 13 },
        left: cell(i).left,
        top: cell(i).top - 32,
      })),
      tooltip: {
        trigger: 'item',
        formatter: (p: any) => `trial ${p.value[2]}: ${esc(p.value[0])} → ${fmt(p.value[1])}`,
      },
      grid: view.parameters.map((_: any, i: number) => cell(i)),
      xAxis: view.parameters.map((p: any, i: number) =>
        p.type === 'categorical'
          ? { gridIndex: i, type: 'category', data: p.categories }
          : { gridIndex: i, type: p.log ? 'log' : 'value', scale: true, axisLine: { onZero: false } },
      ),
      // onZero off: a range across 0 would draw the y axis in the middle of the plot.
      yAxis: view.parameters.map((_: any, i: number) => ({
        gridIndex: i,
        type: 'value',
        scale: true,
        axisLine: { onZero: false },
      })),
      visualMap: {
        show: false,
        dimension: 2,
        min: 0,
        max: Math.max(1, view.trials.length - 1),
        inRange: { color: ['#6baed6', '#08306b'] },
      },
      series: view.parameters.map((p: any, i: number) => ({
        type: 'scatter',
        symbolSize: 6,
        xAxisIndex: i,
        yAxisIndex: i,
        data: rows.map((r: any) => [
          p.type === 'categorical' ? String(r.params[p.name]) : r.params[p.name],
          r.value,
          r.number,
        ]),
      })),
    });
  }

  function drawContour(view: any): void {
    const section = document.getElementById('contour-section');
    const contour = view.contour;
    section.style.display = contour ? '' : 'none';
    if (!contour) return;
    const values = contour.cells.map((c: any) => c[2]);
    show('chart-contour', {
      title: {
        text: `Contour: ${contour.x.name} × ${contour.y.name}`,
        subtext: 'the two most important parameters; kernel-smoothed objective, dots: trials',
        left: 8,
      },
      tooltip: {
        trigger: 'item',
        formatter: (p: any) =>
          p.seriesType === 'scatter'
            ? `trial ${p.value[3]}: ${fmt(p.value[2])}`
            : `${esc(contour.x.labels[p.value[0]])}, ${esc(contour.y.labels[p.value[1]])}: ≈${fmt(p.value[2])}`,
      },
      grid: { left: 80, right: 100, top: 92, bottom: 50 },
      xAxis: { type: 'category', name: contour.x.name, data: contour.x.labels },
      yAxis: { type: 'category', name: contour.y.name, data: contour.y.labels },
      visualMap: {
        seriesIndex: 0,
        min: Math.min(...values),
        max: Math.max(...values),
        calculable: true,
        right: 0,
        top: 70,
        inverse: view.study.direction === 'maximize',
        inRange: { color: ['#08306b', '#4292c6', '#deebf7'] },
      },
      series: [
        { type: 'heatmap', data: contour.cells, progressive: 0 },
        {
          type: 'scatter',
          symbolSize: 6,
          itemStyle: { color: '#fff', borderColor: '#000', borderWidth: 1 },
          data: contour.points,
        },
      ],
    });
  }

  /** Axis bounds around the values, on round numbers (the lines series sets no extent itself). */
  function extent(values: number[]): [number, number] {
    let low = Infinity;
    let high = -Infinity;
    for (const v of values)
      if (Number.isFinite(v)) {
        if (v < low) low = v;
        if (v > high) high = v;
      }
    if (low === Infinity) return [0, 1];
    if (!(high > low)) return [low - 1, high + 1];
    const unit = 10 ** Math.floor(Math.log10(high - low) - 1);
    return [Math.floor(low / unit) * unit, Math.ceil(high / unit) * unit];
  }

  function drawCurves(view: any): void {
    const curves = view.curves;
    const all = curves.trials.flatMap((t: any) => t.points);
    const [xLow, xHigh] = extent(all.map((p: any) => p[0]));
    const [yLow, yHigh] = extent(all.map((p: any) => p[1]));
    // Drawn in this order: the many pruned curves under the ones that ran to the end.
    const states = ['Pruned', 'Failed', 'EarlyStopped', 'Succeeded', 'Running'];
    const lineSeries = states.map((state) => ({
      name: state,
      type: 'lines',
      coordinateSystem: 'cartesian2d',
      polyline: true,
      silent: false,
      lineStyle: { color: COLORS[state], width: 1.2, opacity: 0.7 },
      emphasis: { lineStyle: { width: 3, opacity: 1 } },
      // Large mode draws a state's curves as one path: 1000 trials stay one draw call each.
      large: true,
      largeThreshold: 400,
      data: curves.trials
        .filter((t: any) => t.state === state && t.points.length > 1)
        .map((t: any) => ({ name: `trial ${t.number}`, coords: t.points })),
    }));
    const marks = (name: string, list: any[], symbol: string, color: string) => ({
      name,
      type: 'scatter',
      symbol,
      symbolSize: 9,
      itemStyle: { color },
      data: list.map((m: any) => ({ value: [m.step, m.value], mark: m })),
    });
    const reference = curves.reference
      ? [
          {
            name: curves.reference.label,
            type: 'line',
            showSymbol: false,
            lineStyle: { type: 'dashed', color: '#111', width: 2 },
            data: curves.reference.points,
          },
        ]
      : [];
    const rungs = curves.rungSteps.length
      ? [
          {
            name: 'rungs',
            type: 'line',
            data: [],
            markLine: {
              symbol: 'none',
              label: { formatter: 'rung {c}' },
              lineStyle: { color: '#777' },
              data: curves.rungSteps.map((s: number) => ({ xAxis: s })),
            },
          },
        ]
      : [];
    show('chart-curves', {
      title: {
        text: 'Learning curves',
        subtext: `${view.study.metric} per step; pruner: ${view.study.pruner}`,
        left: 8,
      },
      legend: { top: 8, right: 8, type: 'scroll', width: '60%' },
      tooltip: {
        trigger: 'item',
        formatter: (p: any) => {
          if (p.data?.mark) {
            const m = p.data.mark;
            const against = m.threshold === undefined ? '' : ` (threshold ${fmt(m.threshold)})`;
            return `trial ${m.number} at step ${m.step}: ${fmt(m.value)}<br>${esc(p.seriesName)}: ${esc(m.note)}${against}`;
          }
          return `${esc(p.name || p.seriesName)}`;
        },
      },
      grid: { left: 64, right: 24, top: 80, bottom: 40 },
      xAxis: { type: 'value', name: 'step', min: xLow, max: xHigh },
      yAxis: { type: 'value', name: view.study.metric, min: yLow, max: yHigh },
      series: [
        ...lineSeries,
        ...reference,
        ...rungs,
        marks('pruned here', curves.pruned, 'triangle', COLORS.Pruned),
        marks('early stopping', curves.earlyStopped, 'diamond', COLORS.EarlyStopped),
      ],
    });
  }

  function columns(view: any): { key: string; label: string; get: (row: any) => unknown }[] {
    return [
      { key: 'number', label: '#', get: (r) => r.number },
      { key: 'state', label: 'state', get: (r) => r.state },
      { key: 'value', label: view.study.metric, get: (r) => r.value },
      { key: 'step', label: 'step', get: (r) => r.step },
      {
        key: 'durationS',
        label: 'duration (s)',
        get: (r) => (r.durationS === undefined ? undefined : Math.round(r.durationS)),
      },
      { key: 'gpuHours', label: 'GPU-hours', get: (r) => r.gpuHours },
      ...view.parameters.map((p: any) => ({
        key: `param:${p.name}`,
        label: p.name,
        get: (r: any) => r.params[p.name],
      })),
    ];
  }

  function compare(a: unknown, b: unknown): number {
    if (a === undefined) return b === undefined ? 0 : 1;
    if (b === undefined) return -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a).localeCompare(String(b));
  }

  function drawTable(view: any): void {
    const cols = columns(view);
    const col = cols.find((c) => c.key === sortState.key) ?? cols[0];
    const rows = [...view.trials].sort((a, b) => {
      const order = compare(col.get(a), col.get(b));
      return (
        (sortState.ascending || col.get(a) === undefined || col.get(b) === undefined ? order : -order) ||
        a.number - b.number
      );
    });
    const arrow = (c: any) => (c.key === sortState.key ? (sortState.ascending ? ' ▲' : ' ▼') : '');
    const head = `<tr>${cols.map((c) => `<th data-key="${esc(c.key)}">${esc(c.label)}${arrow(c)}</th>`).join('')}</tr>`;
    const bestNumber = view.best ? view.best.number : -1;
    const body = rows
      .map(
        (r) =>
          `<tr class="${r.number === bestNumber ? 'best' : ''}" title="${esc(r.message ?? '')}">${cols
            .map((c) => `<td class="${c.key === 'state' ? `state ${esc(r.state)}` : ''}">${esc(fmt(c.get(r)))}</td>`)
            .join('')}</tr>`,
      )
      .join('');
    document.getElementById('trials').innerHTML = `<thead>${head}</thead><tbody>${body}</tbody>`;
  }

  function drawSummary(view: any): void {
    const s = view.study;
    const counts = Object.entries(view.counts)
      .filter(([, n]) => (n as number) > 0)
      .map(([k, n]) => `${esc(k)} ${n}`)
      .join(' · ');
    document.getElementById('summary').innerHTML =
      `<h1>${esc(s.name)}</h1><p>${esc(s.phase)}${s.completionReason ? ` (${esc(s.completionReason)})` : ''}` +
      ` · ${esc(s.progress)} trials finished · ${counts || 'no trials yet'} · ${esc(s.direction)} ${esc(s.metric)}</p>` +
      `<p class="muted">source: ${esc(s.source)} · ${live ? 'live, refreshed' : 'generated'} ${esc(s.generatedAt)}</p>`;
    const best = view.best;
    document.getElementById('best').innerHTML = best
      ? `<h2>Best trial: #${best.number} (${esc(best.name)}), ${esc(s.metric)} ${esc(fmt(best.value))}</h2><dl>${Object.entries(
          best.params,
        )
          .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(fmt(v))}</dd>`)
          .join('')}<dt>adapter</dt><dd>${esc(best.adapterPath ?? 'not saved')}</dd></dl>`
      : '<h2>No complete trial yet</h2>';
  }

  /** performance.now() after each part: where a slow page spends its time. */
  const timings: Record<string, number> = { script: performance.now() };
  function draw(view: any): void {
    current = view;
    const parts: [string, (v: any) => void][] = [
      ['summary', drawSummary],
      ['history', drawHistory],
      ['parallel', drawParallel],
      ['importance', drawImportance],
      ['slices', drawSlices],
      ['contour', drawContour],
      ['curves', drawCurves],
      ['table', drawTable],
    ];
    for (const [name, part] of parts) {
      part(view);
      timings[name] = performance.now();
    }
  }

  document.getElementById('trials').addEventListener('click', (event: any) => {
    const key = event.target.closest('th')?.dataset.key;
    if (!key) return;
    sortState.ascending = sortState.key === key ? !sortState.ascending : true;
    sortState.key = key;
    drawTable(current);
  });
  window.addEventListener('resize', () => {
    for (const instance of charts.values()) instance.resize();
  });
  draw(initialView);
  if (live) {
    let last = '';
    setInterval(async () => {
      try {
        const response = await fetch(live.url, { cache: 'no-store' });
        const text = await response.text();
        if (text !== last) {
          last = text;
          draw(JSON.parse(text));
        }
      } catch {
        // The dashboard went away or restarts: keep the last view and try again.
      }
    }, live.intervalMs);
  }
}
