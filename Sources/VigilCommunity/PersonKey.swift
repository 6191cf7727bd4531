/// How the community platform refers to a resident, until the person registry's identifier
/// replaces it: the person's registry key as text.
///
/// Everything in key groups, tracing, referrals and transmission chains names persons through
/// this alias only, so swapping it for the registry's wrapped identifier is a one-line change.
public typealias PersonKey = String
