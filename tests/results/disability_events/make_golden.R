# Golden events from R msprog for the hand cases of tests/qa/test_disability_events.py
# (issue 9 item 19): confirmed improvement, PIRA/RAW, SDMT worsening and the EDSS-Plus components.
#   Rscript tests/results/disability_events/make_golden.R
# Inputs: visits.csv, relapses.csv beside this script (six hand-written patients, first dose on
# the first visit, every visit on treatment).
# Output events.csv: run, patient_id, nevent, event_type, cdw_type (PIRA/RAW), date (one row per event; runs below);
# cohort1_events.csv: the same for the project's cohort1 (see below);
# versions.csv: R and msprog versions.
suppressPackageStartupMessages(library(msprog))
here <- "tests/results/disability_events"
v <- read.csv(file.path(here, "visits.csv"), colClasses = c(patient_id = "character"))
r <- read.csv(file.path(here, "relapses.csv"), colClasses = c(patient_id = "character"))
trial <- function(x) ifelse(x <= 5.5, 1.0, 0.5)  # EDSS-Plus's EDSS step (clinical-methods 1.4)
pct20 <- function(x) x / 5
runs <- list(
  # msprog defaults: fixed baseline, 84-day confirmation
  cdi_edss = list(value_col = "edss", outcome = "edss", event = "firstCDI"),
  cdw_edss = list(value_col = "edss", outcome = "edss", event = "firstCDW"),
  # every event, labelled, roving baseline (the PIRA/RAW table)
  pira_raw = list(value_col = "edss", outcome = "edss", event = "multiple", RAW_PIRA = TRUE,
                  baseline = "roving"),
  # SDMT: msprog's default threshold (the smaller of 4 points and 20%)
  cdw_sdmt = list(value_col = "sdmt", outcome = "sdmt", event = "firstCDW"),
  # EDSS-Plus components, 24-week (168-day) confirmation
  plus_edss = list(value_col = "edss", outcome = "edss", event = "firstCDW", delta_fun = trial,
                   conf_days = 168),
  plus_t25fw = list(value_col = "t25fw_s", outcome = "t25fw", event = "firstCDW",
                    delta_fun = pct20, conf_days = 168),
  plus_nhpt_dominant = list(value_col = "nhpt_dominant_s", outcome = "nhpt",
                            event = "firstCDW", delta_fun = pct20, conf_days = 168),
  plus_nhpt_nondominant = list(value_col = "nhpt_nondominant_s", outcome = "nhpt",
                               event = "firstCDW", delta_fun = pct20, conf_days = 168)
)
collect <- function(v, r, runs) {
  rows <- list()
  for (run in names(runs)) {
    args <- c(list(data = v, subj_col = "patient_id", date_col = "date", relapse = r,
                   rsubj_col = "patient_id", rdate_col = "onset_date", include_dates = TRUE,
                   verbose = 0), runs[[run]])
    res <- do.call(MSprog, args)$results
    res <- res[res$nevent > 0, ]
    if (nrow(res) > 0) {
      rows[[length(rows) + 1]] <- data.frame(run = run, patient_id = res$patient_id,
        nevent = res$nevent, event_type = res$event_type,
        cdw_type = if (is.null(res$CDW_type)) "" else res$CDW_type,
        date = as.character(res$date))
    }
}
do.call(rbind, rows)
}
write.csv(collect(v, r, runs), file.path(here, "events.csv"), row.names = FALSE, na = "")
# The project's seeded cohort of 400 patients (tests/results/outcomes/inputs/cohort1_*): the
# improvement, PIRA/RAW and SDMT runs again, for the study path on data with gaps, duplicates
# and many relapses.
inputs <- "tests/results/outcomes/inputs"
v1 <- read.csv(file.path(inputs, "cohort1_visits.csv"), colClasses = c(patient_id = "character"))
r1 <- read.csv(file.path(inputs, "cohort1_relapses.csv"),
               colClasses = c(patient_id = "character"))
write.csv(collect(v1, r1, runs[c("cdi_edss", "cdw_edss", "pira_raw", "cdw_sdmt")]),
          file.path(here, "cohort1_events.csv"), row.names = FALSE, na = "")
write.csv(data.frame(r = R.version.string, msprog = as.character(packageVersion("msprog"))),
          file.path(here, "versions.csv"), row.names = FALSE)
