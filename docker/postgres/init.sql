-- The database the demo agent reads through Vault-issued, task-bound credentials.
CREATE TABLE tickets (id int PRIMARY KEY, title text NOT NULL, status text NOT NULL DEFAULT 'open');
INSERT INTO tickets (id, title) VALUES (4410, 'printer on fire'), (4411, 'vpn flaps'), (4412, 'summarise me');
