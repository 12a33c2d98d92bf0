//! Every readable address, checked in the tree that does not hold the workflow and
//! with an unknown id at each depth: always a 404 that says what is missing.

use crate::helpers::{TestApp, DELETED, LIVE};
use uuid::Uuid;

#[tokio::test]
async fn every_address_answers_in_its_tree_and_is_a_404_in_the_other() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;

    for (holds, other, says) in [
        (LIVE, DELETED, "is not deleted"),
        (DELETED, LIVE, "is deleted"),
    ] {
        if holds == DELETED {
            app.soft_delete(&chain.workflow).await;
        }
        for path in chain.read_paths(holds) {
            let response = app.get(&path).await;
            assert_eq!(response.status, 200, "{path}: {}", response.text);
        }
        for path in chain.read_paths(other) {
            let message = app.get(&path).await.assert_error(404, "itemNotFound");
            assert!(message.contains(says), "{path}: {message}");
        }
    }
}

#[tokio::test]
async fn an_unknown_id_at_any_depth_is_a_404_that_names_it() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let unknown = Uuid::now_v7().to_string();
    let ids = [
        &chain.workflow,
        &chain.task,
        &chain.run,
        &chain.user_result,
        &chain.task_result,
    ];

    for path in chain.read_paths(LIVE) {
        for id in ids.iter().filter(|id| path.contains(id.as_str())) {
            let broken = path.replace(id.as_str(), &unknown);
            let message = app.get(&broken).await.assert_error(404, "itemNotFound");
            assert!(message.contains(&unknown), "{broken}: {message}");
        }
    }
}
