//! The lights' rules live with the standing (`duban_standing::lights`); the store maps a
//! task's facts onto their input (`duban_store::LightFacts::input`) and keeps each task's
//! light for the overview's counts.

pub use duban_standing::lights::*;
