// Stored history for the forecast tests: daily closes written straight into price_history for
// the market days before the current one (and a few days after the market time, which no
// forecast may read), so the stored-history forecasts have a series without waiting for the
// market to play it.
//
// Negative ids keep the rows out of the feed's numbering; they increase so that a day's close
// is its last sample.
let nextSeq = -1_000_000;

// Weekdays before `day` (ISO), oldest first.
export function weekdaysBefore(day, count) {
  const out = [];
  const t = new Date(`${day}T00:00:00Z`);
  while (out.length < count) {
    t.setUTCDate(t.getUTCDate() - 1);
    if (t.getUTCDay() !== 0 && t.getUTCDay() !== 6) out.unshift(t.toISOString().slice(0, 10));
  }
  return out;
}

// Writes `count` market days of `symbol` before `marketDate` (two samples a day, the close at
// 20:00 UTC) and ten days after it. → [{ date, price }], the closes, oldest first.
export async function writeStoredCloses(pg, symbol, marketDate, count = 60) {
  let price = 50;
  const rows = [];
  const closes = [];
  for (const [i, day] of weekdaysBefore(marketDate, count).entries()) {
    price = Math.round(price * (1 + 0.02 * Math.sin(i * 1.7) + 0.003) * 100) / 100;
    const open = Math.round(price * 0.99 * 100) / 100;
    rows.push(`(${nextSeq++}, '${symbol}', '${day}T15:00:00Z', ${open}, 10)`);
    rows.push(`(${nextSeq++}, '${symbol}', '${day}T20:00:00Z', ${price}, 10)`);
    closes.push({ date: day, price });
  }
  const future = new Date(`${marketDate}T00:00:00Z`);
  for (let i = 0; i < 10; i++) {
    future.setUTCDate(future.getUTCDate() + 1);
    rows.push(`(${nextSeq++}, '${symbol}', '${future.toISOString().slice(0, 10)}T20:00:00Z', ${1000 + i}, 10)`);
  }
  await pg.psql(`insert into price_history (seq, symbol, ts, price, volume) values ${rows.join(",")}`);
  return closes;
}
