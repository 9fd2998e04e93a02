//! The lights' rules live with the standing (`duban_standing::lights`); this module maps the
//! store's facts about a task onto their input.

pub use duban_standing::lights::*;

/// The input for a task from its standing in the store.
pub fn input_from(
    s: &duban_store::TaskStanding,
    today: &str,
    open_round: Option<&OpenRound>,
) -> LightInput {
    LightInput {
        today: today.to_string(),
        open_round: open_round.cloned(),
        unsubmitted: s.unsubmitted,
        verdict: s.verdict,
        machine_verdict: s.machine_verdict,
        final_verdict: s.final_verdict,
        disputed: s.disputed,
        latest_self_status: s.latest_self_status,
        returned: s.returned,
        closed_on: s.closed_on.clone(),
        ..LightInput::default()
    }
}
