//! Prints the events the sensor sees for a second: `cargo run --example sensor_smoke`.
use palisade_event::{EventSource, Inspector};
use palisade_sensor::{Sensor, SensorOptions};

fn main() {
    let opts = SensorOptions {
        duration: Some(std::time::Duration::from_secs(1)),
        ..SensorOptions::default()
    };
    let mut sensor = match Sensor::start(&opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let _ = std::process::Command::new("cat")
        .arg("/etc/hostname")
        .output();
    let mut inspector = Inspector::new();
    let mut n = 0;
    while let Some(evt) = sensor.next_event(&mut inspector).expect("read") {
        inspector.process(&evt);
        if n < 40 || evt.name() == "execve" {
            println!(
                "{} {} {} {}",
                evt.num,
                evt.tid,
                evt.name(),
                evt.params.len()
            );
        }
        n += 1;
    }
    eprintln!("{n} events, {:?}", sensor.stats());
}
