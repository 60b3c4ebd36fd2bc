-- The schema dsadmin created before migrations at its schema version 1, as SQLite recorded it
-- (sqlite_master) after audit.db.ensure_schema at commit c577b65 made it, with the rows it inserted
-- on first start. tests/audit/test_migrations.py adopts stores made from it.
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
CREATE INDEX ix_audit_events_kind ON audit_events (kind);
CREATE INDEX ix_audit_events_actor ON audit_events (actor);
CREATE INDEX ix_audit_events_target ON audit_events (target);
CREATE INDEX ix_audit_events_session_id ON audit_events (session_id);
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
CREATE INDEX ix_sessions_actor ON sessions (actor);
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
INSERT INTO dsadmin_schema_version (id, version) VALUES (1, 1);
INSERT INTO audit_chain_head (id, last_id, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
