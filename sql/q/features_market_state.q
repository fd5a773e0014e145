/ usage: \l sql/q/features_market_state.q   then   .ar.features.marketState[t0;t1;w;ref]
/   t0 t1: timestamps (grid origin = a session open or a stored bucket end; last bucket end)
/   w: timespan bucket width (0D00:00:00.100000000); ref: reference symbol for corrRef1m
/ One job: market state per sym per bucket, labelled by the bucket's exclusive end ts (events
/ in [ts-w;ts)), columns as the DuckDB features table. xbar-style buckets, aj for as-of state.
/ Functions are defined in the root context, so trades/quotes/book are the root tables.
/ Written from the q reference; not yet run against a kdb+ process (a later issue tests it).
/ Assumes trades(ts;sym;price;size;side;trade_id) with side `B`S, quotes(ts;sym;bid;ask;...)
/ with 0n for an empty side, book(ts;sym;bid_px;bid_sz;ask_px;ask_sz) with 10-long lists.
/ bucket end of event times t: t0 + w * 1 + floor (t - t0) % w   (the xbar bucket, shifted)
.ar.features.bend:{[t0;w;t] t0+w*1+(`long$t-t0) div `long$w}

/ linear-interpolated percentile p of x, like quantile_cont / numpy 'linear'
.ar.features.pct:{[p;x] x:asc x; i:p*-1+count x; f:floor i; x[f]+(i-f)*x[(count[x]-1)&f+1]-x f}

/ imbalance (x-y)%(x+y), null when both sides are empty
.ar.features.imb:{[x;y] ?[0=x+y;0n;(x-y)%x+y]}

.ar.features.marketState:{[t0;t1;w;ref]
  n1s:`long$0D00:00:01%w; n10s:10*n1s; n1m:60*n1s; ws:(`long$w)%1e9;
  K:(`long$t1-t0) div `long$w;
  tb:select trade_count:count i, volume:sum size, signed_volume:sum size*?[side=`B;1;-1],
      max_size:max size by sym, ts:.ar.features.bend[t0;w;ts] from trades where ts within (t0-w;t1-1);
  / p95 of print size per minute, keyed by the minute it applies to (the next one)
  p95:select p95:.ar.features.pct[0.95;`float$size] by sym, m:0D00:01+0D00:01 xbar ts from trades
      where ts within ((0D00:01 xbar t0-w)-0D00:01;t1-1);
  qb:select quote_updates:count i by sym, ts:.ar.features.bend[t0;w;ts] from quotes where ts within (t0-w;t1-1);
  syms:distinct raze (exec distinct sym from tb;exec distinct sym from qb;
    exec distinct sym from book where ts within (t0-w;t1-1));
  g:([] sym:syms) cross ([] ts:t0+w*til K+1);
  g:update tq:ts-1 from g;                                   / as of strictly before ts
  lq:select sym, tq:ts, bid, ask from quotes where ts within (t0-w;t1-1);
  vq:select sym, tq:ts, vmid:0.5*bid+ask from quotes
      where ts within (t0-w;t1-1), not null bid, not null ask, bid<ask;
  bk:select sym, tq:ts, b1:bid_sz[;0], a1:ask_sz[;0], b5:sum each 5#'bid_sz,
      a5:sum each 5#'ask_sz, wb:(bid_sz)wsum\:1%1+til 10, wa:(ask_sz)wsum\:1%1+til 10
      from book where ts within (t0-w;t1-1);
  g:aj[`sym`tq;g;`sym`tq xasc lq];
  g:aj[`sym`tq;g;`sym`tq xasc vq];
  g:aj[`sym`tq;g;`sym`tq xasc bk];
  g:g lj tb; g:g lj qb;
  g:update trade_count:0^trade_count, volume:0f^volume, signed_volume:0f^signed_volume,
      quote_updates:0^quote_updates from g;
  g:update m:0D00:01 xbar ts-w from g;
  g:g lj p95;
  g:update large_trade:(not null max_size) and (not null p95) and max_size>p95 from g;
  g:update depth5:b5+a5, r:log vmid%prev vmid, ret_1s:log vmid%xprev[n1s;vmid],
      ret_10s:log vmid%xprev[n10s;vmid] by sym from `sym`ts xasc g;
  g:update pre_depth:prev depth5 by sym from g;
  g:g lj 1!select ts, ref_ret_1s:ret_1s from g where sym=ref;
  g:update pm:(not null ret_1s) and not null ref_ret_1s from g;
  g:update x:0f^ret_1s*pm, y:0f^ref_ret_1s*pm from g;
  g:update rr:n1m msum 0f^r*r, nr:n1m msum not null r,
      nc:n1m msum pm, sx:n1m msum x, sy:n1m msum y, sxx:n1m msum x*x, syy:n1m msum y*y,
      sxy:n1m msum x*y, q1s:n1s msum quote_updates, t1s:n1s msum trade_count,
      kk:til count i by sym from g;
  g:update shock:fills ?[large_trade;kk;0N] by sym from g;
  g:update shock:?[(kk-shock)<n10s;shock;0N] from g;
  g:update sd:depth5 shock, spre:pre_depth shock by sym from g;
  g:select from g where ts>t0;
  select ts, sym, best_bid:bid, best_ask:ask, mid:vmid,
    locked_crossed:?[(null bid) or null ask;0b;bid>=ask],
    spread_bps:?[(not null bid) and (not null ask) and bid<ask;1e4*(ask-bid)%0.5*ask+bid;0n],
    imbalance_l1:.ar.features.imb[b1;a1], imbalance_l5:.ar.features.imb[b5;a5], book_pressure:.ar.features.imb[wb;wa],
    depth5_bid:b5, depth5_ask:a5, trade_count, volume, signed_volume, quote_updates,
    quote_rate_1s:q1s%ws*n1s&kk, trade_to_order_1s:?[q1s=0;0n;t1s%q1s], ret_1s, ret_10s,
    rv_1m:sqrt rr%nr*ws,
    corr_ref_1m:?[nc<2;0n;((nc*sxy)-sx*sy)%sqrt((nc*sxx)-sx*sx)*(nc*syy)-sy*sy],
    large_trade,
    liq_recovery_rate:?[(shock<kk) and spre>0;(depth5-sd)%spre*ws*kk-shock;0n]
    from g}

