# Golden Kaplan-Meier medians with their interval, from R's survival (issue 9 item 11).
#
# The median and its interval as print.survfit gives them: quantile.survfit on the curve and
# on its pointwise band, with conf.type = "log-log" (the band msrwe.stats.kaplan_meier uses).
# print.survfit reads the median as survmean does (first time at or below 0.5; the midpoint of a
# flat stretch at exactly 0.5 that falls later). Also the curve and its band at a few times.
#
# Run from the project root:  Rscript tests/results/stats/km_median.R
# Writes km_median_input.csv (the data), km_median.csv (median, interval) and km_median_at.csv
# (survival at times) beside this file; tests/stats/test_km_median.py reads them.
suppressPackageStartupMessages(library(survival))
here <- "tests/results/stats"

cases <- list(
  # the curve lies at exactly 0.5 from t = 3 to the last follow-up (6): median (3 + 6) / 2
  flat_to_end = data.frame(time = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 0, 0, 0)),
  # at exactly 0.5 from t = 2 until the next event at 3: median (2 + 3) / 2
  flat_then_drop = data.frame(time = c(1, 2, 3, 4), event = c(1, 1, 1, 1)),
  # one event among eight: the median is not reached
  not_reached = data.frame(time = 1:8, event = c(1, 0, 0, 0, 0, 0, 0, 0)),
  # no event at all
  no_events = data.frame(time = c(0.5, 1, 2, 3), event = c(0, 0, 0, 0))
)
set.seed(20261207)
n <- 60
tt <- round(rexp(n, 1 / 4), 1)
cc <- round(runif(n, 1, 9), 1)
cases$random60 <- data.frame(time = pmin(tt, cc), event = as.integer(tt <= cc))
n <- 200
tt <- round(rexp(n, 1 / 3) * 4) / 4  # many ties on a quarter-year grid
cc <- round(runif(n, 0.5, 8) * 4) / 4
cases$ties200 <- data.frame(time = pmin(tt, cc), event = as.integer(tt <= cc))

times <- c(0.5, 1, 2, 3, 5)
input <- do.call(rbind, lapply(names(cases), function(k) cbind(case = k, cases[[k]])))
write.csv(input, file.path(here, "km_median_input.csv"), row.names = FALSE)

med <- do.call(rbind, lapply(names(cases), function(k) {
  fit <- survfit(Surv(time, event) ~ 1, data = cases[[k]], conf.type = "log-log")
  tab <- summary(fit)$table
  data.frame(case = k, n = unname(tab["records"]), events = unname(tab["events"]),
             median = unname(tab["median"]), lower = unname(tab["0.95LCL"]),
             upper = unname(tab["0.95UCL"]))
}))
write.csv(med, file.path(here, "km_median.csv"), row.names = FALSE, na = "")

at <- do.call(rbind, lapply(names(cases), function(k) {
  fit <- survfit(Surv(time, event) ~ 1, data = cases[[k]], conf.type = "log-log")
  s <- summary(fit, times = times, extend = TRUE)
  data.frame(case = k, time = s$time, n_risk = s$n.risk, surv = s$surv, lower = s$lower,
             upper = s$upper)
}))
write.csv(at, file.path(here, "km_median_at.csv"), row.names = FALSE, na = "")
writeLines(paste0("survival,", packageVersion("survival"), "\nR,", getRversion()),
           file.path(here, "km_median_versions.csv"))
