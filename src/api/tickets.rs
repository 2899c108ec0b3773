//! `/api/tickets/`: staff list, read, create (JSON or multipart with `attachment`), replace,
//! change and delete tickets. `If-Match` makes a change or a deletion conditional.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use app::domain::input::WriteMode;
use app::domain::ticket::{Ticket, TicketFilter, TicketInput};
use app::error::AppError;
use app::service::tickets;

use app::service::preconditions::IfMatch;

use super::conditional::IfMatchHeader;
use super::pagination::ListQuery;
use super::payload::Payload;
use super::{ApiStaff, Id, created, no_content, paths};
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::TICKETS, get(list_tickets).post(create_ticket))
        .route(
            paths::TICKET,
            get(get_ticket)
                .put(replace_ticket)
                .patch(update_ticket)
                .delete(delete_ticket),
        )
}

async fn list_tickets(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let filter = TicketFilter::from_query(&query.pairs);
    let page = tickets::list(&state.pool, &user, &filter, query.page_request()?).await?;
    Ok(query.respond(page))
}

async fn get_ticket(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Json<Ticket>, AppError> {
    Ok(Json(tickets::get(&state.pool, &user, id).await?))
}

async fn create_ticket(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    payload: Payload,
) -> Result<Response, AppError> {
    let input = TicketInput::from_json(&payload.body, WriteMode::Create);
    // Only the `attachment` part is a ticket's file, as in django-helpdesk.
    let files = payload
        .files
        .into_iter()
        .filter(|f| f.field == "attachment")
        .collect();
    let ticket =
        tickets::create(&state.pool, &user, &state.settings.media_root, input, files).await?;
    Ok(created(ticket))
}

async fn replace_ticket(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
    payload: Payload,
) -> Result<Json<Ticket>, AppError> {
    let input = TicketInput::from_json(&payload.body, WriteMode::Replace);
    Ok(Json(
        write_ticket(&state, &user, id, input, if_match).await?,
    ))
}

async fn update_ticket(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
    payload: Payload,
) -> Result<Json<Ticket>, AppError> {
    let input = TicketInput::from_json(&payload.body, WriteMode::Update);
    Ok(Json(
        write_ticket(&state, &user, id, input, if_match).await?,
    ))
}

/// PUT and PATCH: with `If-Match`, only while the ticket is as the client read it.
async fn write_ticket(
    state: &AppState,
    user: &app::domain::user::CurrentUser,
    id: i64,
    input: TicketInput,
    if_match: Option<IfMatch>,
) -> Result<Ticket, AppError> {
    match if_match {
        Some(m) => tickets::update_if_match(&state.pool, user, id, input, &m).await,
        None => tickets::update(&state.pool, user, id, input).await,
    }
}

async fn delete_ticket(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
) -> Result<Response, AppError> {
    let media = &state.settings.media_root;
    tickets::delete_if_match(&state.pool, &user, media, id, if_match.as_ref()).await?;
    Ok(no_content())
}
