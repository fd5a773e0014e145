"""FIX 4.4 front end: framing (`parser`), encoding (`codec`), sessions (`session`, their
persistent state in `store`), the application layer (`gateway`), the TCP listener
(`acceptor`), the built-in venue (`exchange_sim`) and a test initiator (`client`)."""
