use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

id_type!(
    /// A unit (单位): a lead or cooperating unit of tasks, and the home of unit accounts.
    UnitId
);
id_type!(UserId);
id_type!(PlanId);
id_type!(TaskId);
id_type!(RoundId);
id_type!(ReportId);
id_type!(
    /// A supervision notice (督办单).
    NoticeId
);
id_type!(
    /// An extension request (延期申请).
    ExtensionId
);
id_type!(
    /// A cooperating unit's contribution to a round's report on a task.
    ContributionId
);
id_type!(
    /// An in-app notification.
    NotificationId
);
id_type!(
    /// A row of the delivery outbox (one email or webhook call to make).
    DeliveryId
);
id_type!(
    /// An evidence file (佐证材料) attached to a report, notice, extension or close-out.
    AttachmentId
);
id_type!(
    /// An application to close a task out (办结销号).
    CloseoutId
);
id_type!(
    /// A leader's instruction (领导批示) on a task.
    InstructionId
);
