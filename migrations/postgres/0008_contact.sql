-- Contact details a citizen gives when registering: a phone number, an e-mail address, or both.
ALTER TABLE accounts ADD COLUMN contact_phone TEXT;
ALTER TABLE accounts ADD COLUMN contact_email TEXT;
