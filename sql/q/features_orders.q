/ usage: \l sql/q/features_orders.q   then   .ar.features.orderFeatures[since;until;openUtc;nHist;minHist]
/   since until: timestamps (orders with since < ts <= until); openUtc: timespan of the
/   session open after UTC midnight (0D13:30 in New York summer); nHist minHist: longs
/ One job: order-level features, one row per order: aj onto the stored market state
/ (features table) and risk_scores, wj over trades for the 5 and 20 minute windows, rolling
/ median / MAD of the trader's previous orders. Labels tables are never read.
/ Written from the q reference; not yet run against a kdb+ process (a later issue tests it).
/ the previous n items of x before each index (no look-ahead): i -> x (i-n)...(i-1)
.ar.features.prevn:{[n;x] {[x;n;i] x (0|i-n)+til i-0|i-n}[x;n] each til count x}
.ar.features.rz:{[v;h;m] ?[(count each h)<m;0n;(v-med each h)%1.4826*{med abs x-med x} each h]}

.ar.features.orderFeatures:{[since;until;openUtc;nHist;minHist]
  o:`trader`sym`ts`order_id xasc select from orders where ts<=until;
  o:update qh:.ar.features.prevn[nHist;qty], ph:.ar.features.prevn[nHist;price] by trader, sym from o;
  o:update ph:{x where not null x} each ph from o;
  o:select from o where ts>since;
  o:`sym`ts xasc o;
  f:select sym, ts, mid, best_bid, best_ask, rv_1m, fts:ts from features;
  o:aj[`sym`ts;o;f];
  o:update mid:?[fts>=ts-0D00:01;mid;0n], best_bid:?[fts>=ts-0D00:01;best_bid;0n],
      best_ask:?[fts>=ts-0D00:01;best_ask;0n], rv_1m:?[fts>=ts-0D00:01;rv_1m;0n] from o;
  t:`sym`ts xasc select sym, ts, size from trades;
  o:wj[(o[`ts]-0D00:20;o[`ts]-1);`sym`ts;o;(t;(sum;`size))];
  o:update vol_20m:size from o;
  o:wj[(o[`ts]-0D00:05;o[`ts]-1);`sym`ts;o;(t;(sum;`size);(count;`size))];
  o:update vol_5m:size from o;
  o:aj[`sym`ts;o;select sym, ts, anomaly_score from risk_scores];
  sg:?[o[`side]=`B;1;-1];
  select ts, order_id, trader, strategy, sym, side, order_type, qty, price, mid,
    qty_over_avg_trade:qty%vol_5m%size,
    qty_over_vol_20m:qty%vol_20m,
    notional:qty*price^mid,
    price_dev_bps:sg*1e4*(price-mid)%mid,
    price_dev_vol:sg*(log price%mid)%rv_1m*sqrt 60,
    cross_bps:1e4*?[side=`B;0|price-best_ask;0|best_bid-price]%mid,
    qty_z:.ar.features.rz[qty;qh;minHist], price_z:.ar.features.rz[price;ph;minHist],
    qty_over_trader_median:?[(count each qh)<minHist;0n;qty%med each qh],
    qty_over_trader_max:?[(count each qh)<minHist;0n;qty%max each qh],
    touch_dev_spreads:?[side=`B;price-best_bid;best_ask-price]%best_ask-best_bid,
    secs_since_open:(1e-9*`long$(ts-`timestamp$`date$ts)-openUtc) mod 86400f,
    anomaly_score
    from o}

