-- The schema dsadmin created before migrations (its schema version 2), as SQLite recorded it (sqlite_master) after audit.db.ensure_schema
-- at commit 20d4b24 made it,
-- with the rows it inserted on first start. tests/audit/test_migrations.py adopts stores made from it.
CREATE TABLE dsadmin_schema_version (
	id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE audit_events (
	id INTEGER NOT NULL, 
	ts DATETIME NOT NULL, 
	session_id VARCHAR(64), 
	actor VARCHAR(320), 
	kind VARCHAR(40) NOT NULL, 
	action VARCHAR(64), 
	target VARCHAR(320), 
	payload JSON NOT NULL, 
	prev_hash VARCHAR(64) NOT NULL, 
	hash VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (hash)
);
CREATE INDEX ix_audit_events_actor_id ON audit_events (actor, id);
CREATE INDEX ix_audit_events_ts ON audit_events (ts);
CREATE INDEX ix_audit_events_session_id_id ON audit_events (session_id, id);
CREATE INDEX ix_audit_events_kind_id ON audit_events (kind, id);
CREATE INDEX ix_audit_events_target_id ON audit_events (target, id);
CREATE TABLE audit_chain_head (
	id INTEGER NOT NULL, 
	last_id INTEGER NOT NULL, 
	last_hash VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE approvals (
	id VARCHAR(40) NOT NULL, 
	requester VARCHAR(320) NOT NULL, 
	session_id VARCHAR(64), 
	action VARCHAR(64) NOT NULL, 
	operation VARCHAR(64) NOT NULL, 
	target VARCHAR(320), 
	call_json TEXT NOT NULL, 
	call_hash VARCHAR(64) NOT NULL, 
	summary TEXT NOT NULL, 
	approver_role VARCHAR(40) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	approver VARCHAR(320), 
	reason TEXT, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	decided_at DATETIME, 
	executed_at DATETIME, 
	result_json TEXT, 
	lease_until DATETIME, 
	recovered INTEGER, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_approvals_requester ON approvals (requester);
CREATE INDEX ix_approvals_status ON approvals (status);
CREATE TABLE confirmations (
	token_hash VARCHAR(64) NOT NULL, 
	actor VARCHAR(320) NOT NULL, 
	session_id VARCHAR(64), 
	call_json TEXT NOT NULL, 
	call_hash VARCHAR(64) NOT NULL, 
	summary TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	used_at DATETIME, 
	status VARCHAR(20) NOT NULL, 
	PRIMARY KEY (token_hash)
);
CREATE TABLE sessions (
	id VARCHAR(64) NOT NULL, 
	actor VARCHAR(320) NOT NULL, 
	backend VARCHAR(40) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE audit_checkpoints (
	id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	event_id INTEGER NOT NULL, 
	hash VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	mac VARCHAR(128), 
	PRIMARY KEY (id)
);
CREATE TABLE directory_cache (
	scope VARCHAR(64) NOT NULL, 
	"key" VARCHAR(400) NOT NULL, 
	value TEXT NOT NULL, 
	stored_at FLOAT NOT NULL, 
	PRIMARY KEY (scope, "key")
);
CREATE TABLE web_logins (
	state VARCHAR(64) NOT NULL, 
	verifier VARCHAR(128) NOT NULL, 
	nonce VARCHAR(64) NOT NULL, 
	next_url VARCHAR(500) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (state)
);
CREATE TABLE web_sessions (
	id_hash VARCHAR(64) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	csrf VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (id_hash)
);
CREATE INDEX ix_web_sessions_email ON web_sessions (email);
CREATE TABLE api_tokens (
	id VARCHAR(40) NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	created_by VARCHAR(320) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME, 
	revoked_at DATETIME, 
	last_used_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (token_hash)
);
CREATE INDEX ix_api_tokens_email ON api_tokens (email);
CREATE TABLE rate_counts (
	email VARCHAR(320) NOT NULL, 
	window BIGINT NOT NULL, 
	count INTEGER NOT NULL, 
	PRIMARY KEY (email, window)
);
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	event VARCHAR(40) NOT NULL, 
	approval_id VARCHAR(40) NOT NULL, 
	created_at DATETIME NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	claimed_by VARCHAR(64), 
	claim_until DATETIME, 
	delivered JSON NOT NULL, 
	sent_at DATETIME, 
	last_error TEXT, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_outbox_approval_id ON outbox (approval_id);
CREATE INDEX ix_outbox_due ON outbox (status, next_attempt_at);
CREATE TABLE session_messages (
	id INTEGER NOT NULL, 
	session_id VARCHAR(64) NOT NULL, 
	seq INTEGER NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	content JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(session_id) REFERENCES sessions (id)
);
CREATE UNIQUE INDEX ix_session_messages_session_seq ON session_messages (session_id, seq);
INSERT INTO dsadmin_schema_version (id, version) VALUES (1, 2);
INSERT INTO audit_chain_head (id, last_id, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
