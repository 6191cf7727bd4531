/// Who did something: the authenticated user (staff account) recorded in histories and reviews,
/// as text until the accounts model provides its own identifier.
public typealias ActorKey = String
