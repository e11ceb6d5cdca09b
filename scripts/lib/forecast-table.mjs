// The forecasts' evaluation table as docs/forecasts.md shows it, rendered from the rows of
// GET /api/forecasts/accuracy. Used by scripts/forecasts-doc.mjs, which writes it into the doc,
// and by tests/integration/forecasts.test.mjs, which checks the committed doc against the
// server's figures (so the doc cannot drift from what the server computes).
export const TABLE_BEGIN = "<!-- accuracy-table:begin (scripts/forecasts-doc.mjs writes it) -->";
export const TABLE_END = "<!-- accuracy-table:end -->";

const fixed = (v, digits) => (v === null || v === undefined ? "–" : v.toFixed(digits));
const percent = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);

// rows: the API's rows, in its order (series, then model, then horizon).
export function accuracyTable(rows) {
  const out = [
    "| series | step | model | h | origins | MAE | naive MAE | MAE vs naive | RMSE vs naive | beats naive | hit rate | up share | 95% coverage |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.series} | ${r.step} | ${r.model} | ${r.horizon} | ${r.origins} | ${fixed(r.mae, 4)} | ${fixed(r.naive_mae, 4)} | ` +
        `${fixed(r.mae_ratio, 4)} | ${fixed(r.rmse_ratio, 4)} | ${r.beats_baseline ? "yes" : "**no**"} | ` +
        `${percent(r.hit_rate)} | ${percent(r.up_rate)} | ${percent(r.coverage)} |`,
    );
  }
  return out.join("\n");
}
