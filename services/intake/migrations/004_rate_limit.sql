-- Requests per operator token per minute, shared by every intake replica.
CREATE TABLE request_windows (
    token_hash text NOT NULL,
    window_start timestamptz NOT NULL,
    requests integer NOT NULL,
    PRIMARY KEY (token_hash, window_start)
);
