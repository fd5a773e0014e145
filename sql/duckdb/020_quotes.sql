-- Top of book (NBBO), one row per change.
CREATE TABLE IF NOT EXISTS quotes (
    ts        TIMESTAMP_NS NOT NULL,
    sym       VARCHAR      NOT NULL,
    bid       DOUBLE,                 -- NULL when the bid side is empty
    ask       DOUBLE,                 -- NULL when the ask side is empty
    bid_size  DOUBLE       NOT NULL,  -- units of the asset; 0 when the side is empty
    ask_size  DOUBLE       NOT NULL
);
