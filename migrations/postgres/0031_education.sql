-- Education: schools, pupils' enrolments for a school year (the pages of the school record, học bạ) and their
-- marks. A mark entered again replaces the current one in education_marks; every mark ever entered stays in
-- education_mark_history. A signed year no longer changes.
CREATE TABLE education_schools (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    commune TEXT NOT NULL
);

CREATE TABLE education_enrolments (
    pupil TEXT NOT NULL,
    school_year INTEGER NOT NULL,
    school TEXT NOT NULL REFERENCES education_schools (code),
    grade INTEGER NOT NULL,
    class_name TEXT NOT NULL,
    pupil_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    mother TEXT,
    father TEXT,
    conduct TEXT,
    absences BIGINT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    signed_at BIGINT,
    signed_by TEXT,
    qr_text TEXT,
    version BIGINT NOT NULL,
    PRIMARY KEY (pupil, school_year)
);
CREATE INDEX education_enrolments_class ON education_enrolments (school, school_year, class_name, pupil_name);
CREATE INDEX education_enrolments_mother ON education_enrolments (mother);
CREATE INDEX education_enrolments_father ON education_enrolments (father);

CREATE TABLE education_marks (
    pupil TEXT NOT NULL,
    school_year INTEGER NOT NULL,
    subject TEXT NOT NULL,
    term INTEGER NOT NULL,
    mark TEXT NOT NULL,
    teacher TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (pupil, school_year, subject, term),
    FOREIGN KEY (pupil, school_year) REFERENCES education_enrolments (pupil, school_year)
);

CREATE TABLE education_mark_history (
    pupil TEXT NOT NULL,
    school_year INTEGER NOT NULL,
    subject TEXT NOT NULL,
    term INTEGER NOT NULL,
    mark TEXT NOT NULL,
    teacher TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    FOREIGN KEY (pupil, school_year) REFERENCES education_enrolments (pupil, school_year)
);
CREATE INDEX education_mark_history_record ON education_mark_history (pupil, school_year);
