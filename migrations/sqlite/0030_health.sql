-- Health: facilities (cơ sở khám bệnh, chữa bệnh, and pharmacies) and e-prescriptions (đơn thuốc điện tử), each
-- dispensed once. A prescription's medicines are a JSON array, written once and never changed.
CREATE TABLE health_facilities (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    commune TEXT NOT NULL
);

-- The last serial each facility gave a prescription.
CREATE TABLE health_prescription_serials (
    facility TEXT PRIMARY KEY REFERENCES health_facilities (code),
    last BIGINT NOT NULL
);

CREATE TABLE health_prescriptions (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    facility TEXT NOT NULL REFERENCES health_facilities (code),
    prescriber TEXT NOT NULL,
    patient TEXT NOT NULL,
    patient_name TEXT NOT NULL,
    diagnosis TEXT NOT NULL,
    medicines TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    status TEXT NOT NULL,
    dispensed_at BIGINT,
    dispensed_by TEXT REFERENCES health_facilities (code),
    qr_text TEXT NOT NULL
);
CREATE INDEX health_prescriptions_patient ON health_prescriptions (patient, issued_at);
