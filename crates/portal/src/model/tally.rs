//! Thống kê tình hình giải quyết hồ sơ — how dossiers were settled, counted.

use serde::Serialize;

/// The counts of one group of dossiers (one agency, procedure, province, or all), as the National Public Service
/// Portal publishes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tally {
    /// Tiếp nhận — submitted in the period.
    pub received: u64,
    /// Of those, filed online rather than registered at a counter.
    pub online: u64,
    /// Đã giải quyết — completed or refused.
    pub settled: u64,
    /// Settled within the legal time limit.
    pub on_time: u64,
    /// Trễ hạn — settled after it.
    pub late: u64,
    /// Quá hạn — still being worked and already past the due date.
    pub overdue: u64,
    /// How many applicants rated the service.
    pub ratings: u64,
    /// The sum of their ratings (1–5 each).
    pub rating_sum: u64,
}

impl Tally {
    /// Adds another group's counts.
    pub fn add(&mut self, other: &Tally) {
        self.received += other.received;
        self.online += other.online;
        self.settled += other.settled;
        self.on_time += other.on_time;
        self.late += other.late;
        self.overdue += other.overdue;
        self.ratings += other.ratings;
        self.rating_sum += other.rating_sum;
    }

    /// Tỷ lệ đúng hạn — the share of settled dossiers settled in time, in percent.
    pub fn on_time_percent(&self) -> Option<f64> {
        percent(self.on_time, self.on_time + self.late)
    }

    /// Tỷ lệ trực tuyến — the share of received dossiers filed online, in percent.
    pub fn online_percent(&self) -> Option<f64> {
        percent(self.online, self.received)
    }

    /// The average rating, 1–5.
    pub fn average_rating(&self) -> Option<f64> {
        (self.ratings > 0).then(|| self.rating_sum as f64 / self.ratings as f64)
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_of_what_they_are_shares_of() {
        let t = Tally {
            received: 8,
            online: 6,
            settled: 5,
            on_time: 3,
            late: 1,
            ratings: 2,
            rating_sum: 9,
            ..Tally::default()
        };
        // One of the five settled has no verdict on time (it ended before the column existed): not counted either way.
        assert_eq!(t.on_time_percent(), Some(75.0));
        assert_eq!(t.online_percent(), Some(75.0));
        assert_eq!(t.average_rating(), Some(4.5));
        assert_eq!(Tally::default().on_time_percent(), None, "nothing settled is no share, not 0 %");
    }

    #[test]
    fn groups_add_up() {
        let mut total = Tally::default();
        let one = Tally { received: 2, online: 1, settled: 1, on_time: 1, overdue: 1, ..Tally::default() };
        total.add(&one);
        total.add(&one);
        assert_eq!(total, Tally { received: 4, online: 2, settled: 2, on_time: 2, overdue: 2, ..Tally::default() });
    }
}
