## Date-based (epochAsDate = TRUE) Farrington references for Vigil's tests, generated with
## R 4.2.2 and surveillance 1.20.3 (Debian bookworm packages): Rscript generate.R
## Input: salmonella.agona's 312 weekly counts dated weekly from Monday 1990-01-01, so that
## reference weeks found by calendar date differ from t - 52*i.
library(surveillance)
data("salmonella.agona")
y <- as.integer(salmonella.agona$observed)
dates <- seq(as.Date("1990-01-01"), by = "1 week", length.out = length(y))
write.csv(data.frame(t = seq_along(y), date = dates, observed = y), "input.csv", row.names = FALSE, quote = FALSE)
x <- sts(observed = y, epoch = as.numeric(dates), epochAsDate = TRUE, frequency = 52)
fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))
far <- function(file, ctrl) {
  res <- farrington(x, control = ctrl)
  res0 <- algo.farrington(sts2disProg(x), control = ctrl)
  write.csv(data.frame(t = ctrl$range, observed = y[ctrl$range], upperbound = fmt(as.numeric(upperbound(res))),
                       alarm = as.integer(as.logical(alarms(res))), trend = as.integer(res0$trend),
                       expected = fmt(res0$control$pd[, 2])), file, row.names = FALSE, quote = FALSE)
}
flex <- function(file, ctrl) {
  res <- farringtonFlexible(x, control = ctrl)
  cc <- res@control
  write.csv(data.frame(t = ctrl$range, observed = y[ctrl$range], upperbound = fmt(as.numeric(upperbound(res))),
                       alarm = as.integer(as.logical(alarms(res))), expected = fmt(cc$expected[, 1]),
                       trend = as.integer(cc$trend[, 1]), phi = fmt(cc$phiVector[, 1])), file, row.names = FALSE, quote = FALSE)
}
far("expected_farrington_dates.csv", list(range = 264:312, b = 5, w = 3, alpha = 0.05))
flex("expected_flexible_dates.csv", list(range = 270:312, b = 5, w = 3))
flex("expected_flexible_dates_noufaily.csv", list(range = 240:312, noPeriods = 10, b = 4, w = 3, weightsThreshold = 2.58,
                                                  pastWeeksNotIncluded = 26, pThresholdTrend = 1, thresholdMethod = "nbPlugin"))
