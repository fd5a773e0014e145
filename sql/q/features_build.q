/ usage: \l sql/q/features_build.q   then   .ar.features.dataDays[since]   .ar.features.buildState[open;close]
/ One job: what a features build needs to know about the stored data.
/ dataDays: days since 1970.01.01 (longs, ascending) holding trades, quotes or book rows at ts>=since.
/ buildState: per sym, the last and first event in [open;close] and the last stored features bucket in (open;close].
.ar.features.dataDays:{[since] asc distinct raze {[s;t] exec distinct `long$(`date$ts)-1970.01.01 from t where ts>=s}[since] each (trades;quotes;book)}
.ar.features.buildState:{[open;close]
  ev:select last_event:max ts, first_event:min ts by sym from raze {[o;c;t] select sym, ts from t where ts within (o;c)}[open;close] each (trades;quotes;book);
  st:select last_stored:max ts by sym from features where ts>open, ts<=close;
  `sym xasc 0!ev lj st}
