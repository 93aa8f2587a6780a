#include "camera.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "camera_health.hpp"
#include "common/backoff.hpp"
#include "common/stop_signal.hpp"
#include "frame_pacer.hpp"
#include "frame_sink.hpp"
#include "outage_timer.hpp"
#include "stream_url.hpp"

namespace gw::camera {

namespace {

constexpr int kIoTimeoutMs = 5000;
constexpr int kMinReconnectMs = 500;
// A live stream is back, and its reconnect backoff starts over, only once it
// has stayed up this long. One frame was enough before: a snapshot URL (one
// JPEG, then the end), or an RTSP camera that takes one client and is shared
// with a recorder, reconnected every 0.5 s and stored an offline raise and
// clear each time, several a second in the alarm lane.
constexpr int64_t kSteadyMs = 30'000;

// A path under /dev that is not a plain file or pipe (/dev/shm/clip.mp4
// plays as a file): the stable udev names of USB cameras are
// /dev/v4l/by-id/... and /dev/v4l/by-path/..., and FFmpeg's file reader
// cannot read a video device (that camera stayed offline for good). A
// device not plugged in yet counts as one.
bool is_device(const std::string& url) {
    if (url.rfind("/dev/", 0) != 0) return false;
    struct stat st {};
    return ::stat(url.c_str(), &st) != 0 || S_ISCHR(st.st_mode);
}
bool is_network(const std::string& url) {
    return url.find("://") != std::string::npos;
}
// A file simulates a camera: played in real time and looped.
bool is_file(const std::string& url) {
    return !is_network(url) && !is_device(url);
}

}  // namespace

void bound_capture_waits() {
    ::setenv("OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT", std::to_string(kIoTimeoutMs / 1000).c_str(), 0);
}

struct Camera::Impl {
    CameraConfig cfg;
    std::string shown_url;  // cfg.url without its password, for events and logs
    FrameSink& frames;
    EventSink& events;
    const Clock& clock;
    Log& log;
    CameraHealth health;
    mutable std::mutex mutex;
    CameraCounters counters;
    drivers::StopSignal stop;
    drivers::Backoff reconnect;
    const ModeView* mode;
    // The configured rate of the current mode, asked at every frame.
    FramePacer pacer{[this] { return in_emergency(mode) ? cfg.fps_emergency : cfg.fps; }};
    std::thread thread;
    bool offline_raised = false;
    // A failure waiting out its grace (OutageTimer), to be reported as it
    // would have been at once.
    struct Outage {
        std::string log_message;
        LogField why;  // beside the camera and its URL
        std::string event_message;
    };
    OutageTimer outage;
    std::optional<Outage> pending;
    uint64_t seq = 0;
    // The size frames are delivered at: the configured one, or the camera's
    // first. roi, ignore zones and ground points are given in those pixels.
    cv::Size delivered_size;
    cv::Size last_raw_size;  // what the camera last sent, to log a change

    Impl(CameraConfig c, FrameSink& f, EventSink& e, const Clock& cl, Log& l, const ModeView* m)
        : cfg(std::move(c)),
          shown_url(without_password(cfg.url)),
          frames(f),
          events(e),
          clock(cl),
          log(l),
          health(HealthSettings{cfg.frozen_ms, cfg.frozen_ms, 15.0, 4.0, 1.0}),
          reconnect(kMinReconnectMs, cfg.reconnect_max_ms),
          mode(m) {
        counters.camera = cfg.id;
    }

    // A network camera's host is asked first, outside OpenCV's lock (see
    // stream_url.hpp); its answer is the reason given when it is down.
    Status reachable() {
        const auto ep = tcp_endpoint(cfg.url);
        return ep ? reach(*ep, kIoTimeoutMs, stop) : Status::success();
    }

    bool open(cv::VideoCapture& cap) {
        try {
            // By path: a udev name (/dev/video-front) is that camera. Read
            // as an index, anything after /dev/video that was not a number
            // opened /dev/video0, another camera, without a word.
            if (is_device(cfg.url)) return cap.open(cfg.url, cv::CAP_V4L2);
            // Bounded open and read so a dead RTSP peer can't hold the thread.
            return cap.open(cfg.url, cv::CAP_FFMPEG,
                            {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, kIoTimeoutMs,
                             cv::CAP_PROP_READ_TIMEOUT_MSEC, kIoTimeoutMs});
        } catch (const cv::Exception& e) {
            log.warn("camera", "open threw", {{"camera", cfg.id}, {"error", e.what()}});
            return false;
        }
    }

    void event(const std::string& type, bool raise, Severity sev, const std::string& message,
               nlohmann::json details = nlohmann::json::object()) {
        Event e;
        e.detector = cfg.id;
        e.kind = "camera";
        e.type = type;
        e.severity = raise ? sev : Severity::info;
        e.state = raise ? EventState::raise : EventState::clear;
        e.t_ms = clock.now_ms();
        e.message = message;
        details["url"] = shown_url;
        e.details = std::move(details);
        events.on_event(e);
    }

    void report(Outage o) {  // a copy: it may be the pending one, reset here
        offline_raised = true;
        pending.reset();
        // In the journal too: a technician at the site reads it, not the center's feed.
        log.warn("camera", o.log_message, {{"camera", cfg.id}, {"url", shown_url}, o.why});
        event("offline", true, Severity::warning, o.event_message);
    }

    // The camera failed: reported now, or once its grace is out and it is
    // not back (back_off() waits for that).
    void failed(Outage o) {
        if (offline_raised || stop.stopping()) return;
        if (outage.failed(clock.mono_ms())) return report(std::move(o));
        if (!pending)
            log.info("camera", "lost, reconnecting",
                     {{"camera", cfg.id},
                      {"url", shown_url},
                      {"reported_in_s", OutageTimer::kGraceMs / 1000}});
        pending = std::move(o);
    }

    // Waits out the reconnect backoff on the Clock, reporting an outage
    // whose grace ends meanwhile; stop() ends it at once.
    void back_off() {
        const int64_t next_try = clock.mono_ms() + reconnect.next();
        const auto due = outage.report_due();
        if (pending && due && *due < next_try) {
            if (!stop.sleep_until(clock, *due)) return;
            report(std::move(*pending));
        }
        stop.sleep_until(clock, next_try);
    }

    void run() {
        reconnect.reset();  // a restarted camera starts from the shortest wait
        while (!stop.stopping()) {
            cv::VideoCapture cap;
            const Status reached = reachable();
            if (stop.stopping()) break;
            if (!reached || !open(cap)) {
                const std::string why = reached ? "OpenCV cannot open it" : reached.error();
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    counters.open_failures++;
                    counters.online = false;
                    counters.last_error = why;
                }
                // OpenCV's failure has no reason to add to the message.
                failed({"cannot open",
                        {"error", why},
                        "camera " + cfg.id + " cannot be opened" + (reached ? "" : ": " + why)});
                back_off();
                continue;
            }
            {
                std::lock_guard<std::mutex> lock(mutex);
                counters.opens++;
                counters.online = true;
            }
            const int64_t opened_ms = clock.mono_ms();
            const uint64_t read = capture(cap, opened_ms);
            const bool steady = is_file(cfg.url) || clock.mono_ms() - opened_ms >= kSteadyMs;
            {
                std::lock_guard<std::mutex> lock(mutex);
                counters.read_failures++;
                counters.online = false;
                // A file's end is its loop, not an error.
                if (!is_file(cfg.url) && !stop.stopping())
                    counters.last_error =
                        read > 0 ? "stream lost after " + std::to_string(read) + " frames"
                                 : "opened, but no frame came";
            }
            // A file that played is looped at once (it simulates a camera);
            // a stream that broke before it was steady, or gave nothing,
            // backs off further each time.
            if (read > 0 && steady) {
                reconnect.reset();
                outage.steady();
                pending.reset();
            }
            if (read > 0 && is_file(cfg.url)) {
                // Its last frame's time first: a still image or a one-frame
                // clip was reopened without a pause, hundreds of times a second.
                stop.sleep_until(clock, pacer.due());
                continue;
            }
            failed({"stream lost", {"frames", read}, "camera " + cfg.id + " stream lost"});
            back_off();
        }
    }

    // Reads until the stream ends or breaks; returns the frames read.
    // A file plays in real time at its own frame rate and the camera's rate
    // applies as to a live source (surplus frames dropped), so a detector
    // sees what a real camera at `fps` would show, not slow or fast motion.
    // Pacing (FramePacer) is on the Clock's monotonic time.
    uint64_t capture(cv::VideoCapture& cap, int64_t opened_ms) {
        const bool file = is_file(cfg.url);
        pacer.start(clock.mono_ms(), file, file ? cap.get(cv::CAP_PROP_FPS) : 0);
        uint64_t read = 0;
        cv::Mat frame;
        while (!stop.stopping()) {
            bool ok = false;
            try {
                ok = cap.read(frame);
            } catch (const cv::Exception& e) {
                log.warn("camera", "read threw", {{"camera", cfg.id}, {"error", e.what()}});
            }
            if (!ok || frame.empty()) return read;
            ++read;
            outage.played();
            stop.sleep_until(clock, pacer.due());
            {
                std::lock_guard<std::mutex> lock(mutex);
                counters.frames_read++;
            }
            if (!pacer.take(clock.mono_ms())) {
                std::lock_guard<std::mutex> lock(mutex);
                counters.frames_dropped++;  // faster than the camera's rate: drop
                continue;
            }
            if (offline_raised && (file || clock.mono_ms() - opened_ms >= kSteadyMs)) {
                offline_raised = false;
                log.info("camera", "back", {{"camera", cfg.id}, {"url", shown_url}});
                event("offline", false, Severity::info, "camera " + cfg.id + " is back");
            }
            deliver(frame);
        }
        return read;
    }

    // A camera whose resolution changes (reset to its default, or changed
    // in its own web page) was passed on at the new size, and the pixel
    // settings (roi, ignore zones, ground points) silently fell elsewhere
    // in the picture. Frames stay at the size they started with.
    void note_new_size(const cv::Size& now) {
        const auto text = [](const cv::Size& s) {
            return std::to_string(s.width) + "x" + std::to_string(s.height);
        };
        log.warn("camera",
                 "resolution changed: frames are scaled to the size they started with, so "
                 "pixel settings (roi, ignore, ground_px) keep their place; check the camera's "
                 "settings",
                 {{"camera", cfg.id},
                  {"from", text(last_raw_size)},
                  {"to", text(now)},
                  {"delivered_as", text(delivered_size)}});
    }

    void deliver(const cv::Mat& raw) {
        Frame f;
        f.camera = cfg.id;
        f.t_ms = clock.now_ms();
        f.mono_ms = clock.mono_ms();
        if (delivered_size.empty())
            delivered_size = cfg.width > 0 ? cv::Size(cfg.width, cfg.height) : raw.size();
        if (!last_raw_size.empty() && raw.size() != last_raw_size) note_new_size(raw.size());
        last_raw_size = raw.size();
        if (raw.size() != delivered_size)
            cv::resize(raw, f.image, delivered_size, 0, 0, cv::INTER_AREA);
        else
            f.image = raw.clone();  // the capture reuses its buffer
        // Fault durations are ages, so they run on monotonic time: a wall
        // clock step (NTP after an offline boot) never fakes a frozen image.
        // The event gives the start as wall time: now minus the age.
        for (const auto& ch : health.update(f.image, f.mono_ms)) {
            const int64_t since = f.t_ms - (f.mono_ms - ch.since_ms);
            nlohmann::json d{{"mean", ch.mean}, {"stddev", ch.stddev}, {"since_ms", since}};
            const std::string what = ch.type == "frozen" ? "image frozen" : "lens covered or black";
            event(ch.type, ch.raised, Severity::warning,
                  "camera " + cfg.id + ": " + what + (ch.raised ? "" : " cleared"), d);
            log.warn("camera", ch.raised ? "fault" : "fault cleared",
                     {{"camera", cfg.id}, {"type", ch.type}});
        }
        f.seq = ++seq;
        {
            std::lock_guard<std::mutex> lock(mutex);
            counters.frames_delivered++;
            counters.frozen = health.frozen();
            counters.covered = health.covered();
        }
        frames.on_frame(f);
    }
};

Camera::Camera(CameraConfig cfg, FrameSink& frames, EventSink& events, const Clock& clock, Log& log,
               const ModeView* mode)
    : impl_(std::make_unique<Impl>(std::move(cfg), frames, events, clock, log, mode)) {}

Camera::~Camera() {
    stop();
}

Status Camera::start() {
    if (impl_->thread.joinable()) return fail("camera " + impl_->cfg.id + " already started");
    impl_->stop.reset();
    impl_->thread = std::thread([this] { impl_->run(); });
    return Status::success();
}

void Camera::request_stop() {
    impl_->stop.stop();
}

void Camera::stop() {
    request_stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

CameraCounters Camera::counters() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->counters;
}

const std::string& Camera::id() const {
    return impl_->cfg.id;
}

}  // namespace gw::camera
