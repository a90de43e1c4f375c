# Golden values for msrwe.design: events and patients for a two-sided log-rank test
# (Schoenfeld), from R rpact. Run: Rscript tests/results/design/rpact_schoenfeld.R
# Writes rpact_schoenfeld.csv beside this script. Time unit: days.
# Setting: 1:1 allocation, exponential event times with the placebo cumulative rate over
# the follow-up given, hazard ratio hr, exponential dropout (probability per 365.25 days),
# (almost) no accrual, every patient followed for follow_up_days.
suppressMessages(library(rpact))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
rows <- list()
for (hr in c(0.7, 0.8)) {
  for (power in c(0.8, 0.9)) {
    placebo_rate <- 0.4
    fu <- 672
    dropout <- 0.1
    x <- getSampleSizeSurvival(alpha = 0.05, sided = 2, beta = 1 - power,
      lambda2 = -log(1 - placebo_rate) / fu, hazardRatio = hr, accrualTime = c(0, 0.01),
      followUpTime = fu, dropoutRate1 = dropout, dropoutRate2 = dropout, dropoutTime = 365.25)
    rows[[length(rows) + 1]] <- data.frame(
      hazard_ratio = hr, power = power, alpha = 0.05, placebo_rate = placebo_rate,
      follow_up_days = fu, dropout_per_year = dropout,
      events = x$maxNumberOfEvents, subjects = x$maxNumberOfSubjects,
      rpact_version = as.character(packageVersion("rpact")))
  }
}
write.csv(do.call(rbind, rows), file.path(here, "rpact_schoenfeld.csv"), row.names = FALSE)
