// Shared by the hostile test plugins: a plain first-touch info they can misbehave behind.
pub fn info(name: &str) -> ascribe_sdk::model::Info {
    ascribe_sdk::model::Info {
        name: name.into(),
        version: "0.0.1".into(),
        description: "hostile test plugin".into(),
        params: vec![],
        needs_timestamps: false,
        needs_milestones: false,
        needs_nulls: false,
        key_scores: vec![],
    }
}
