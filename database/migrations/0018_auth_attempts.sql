-- 0018: authentication attempts for the throttles, counted before the slow check they guard.
-- One row per attempt under way or failed (a success removes its row; a sign-up keeps it), per
-- key: a client address ('addr:…') or an account ('account:' and a hash of the login). Not
-- tenant data: whoever is guessing has no tenant. Replaces auth_failures (transient data).

DROP TABLE auth_failures;

CREATE TABLE auth_attempts (
    attempt_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope       text NOT NULL CHECK (scope IN ('login', 'pairing', 'signup')),
    key         text NOT NULL CHECK (length(key) <= 200),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_attempts_recent ON auth_attempts (scope, key, at);
GRANT SELECT, INSERT, DELETE ON auth_attempts TO michangarrito_app;
