"""Concurrent writers: the store commits and the in-memory engines receive the same
writes in the same order (the engines are fed inside the store's writer lock), so racing
new versions of one area never desynchronise them. The race this guards against needs a
writer to be preempted between COMMIT and publishing, so this test rarely provokes it; it
checks that store and engine agree after a burst of concurrent versions."""
import threading
import time

from harness import ServerTest, polygon, feature, main


class ConcurrentVersionsTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        cls.srv.add_party("JMC", "monitor")

    def test_racing_versions_of_one_area(self):
        r = self.srv.post("/v1/areas", feature(polygon(37.0, 36.0, 0.3), kind="no_strike", name="v",
                                               valid_from="2016-01-01T00:00:00Z"), party="admin")
        self.assertEqual(r.status, 201, r)
        aid = r.json["id"]
        statuses, lock = [], threading.Lock()
        deadline = time.time() + 20

        def writer(party, k):
            for i in range(40):
                if time.time() > deadline:
                    return
                # valid_from never decreases for one writer; the store refuses earlier ones (400).
                day = 2 + i
                f = feature(polygon(37.0 + 0.001 * k, 36.0, 0.3), kind="no_strike", name="v%d-%d" % (k, i),
                            valid_from="2016-02-%02dT00:00:00Z" % min(day, 28))
                s = self.srv.put("/v1/areas/%d" % aid, f, party=party).status
                with lock:
                    statuses.append(s)

        threads = [threading.Thread(target=writer, args=(p, k)) for k, p in enumerate(["admin", "JMC", "admin", "JMC"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertTrue(set(statuses) <= {200, 400}, statuses)
        self.assertIn(200, statuses)
        # The server is alive, and the engine answers with the current version.
        h = self.srv.get("/v1/areas/%d/history" % aid, party="admin").json["features"]
        current = h[-1]["properties"]
        self.assertEqual(current["version"], len(h))
        a = self.srv.get("/v1/attribution?lon=37.1&lat=36.1&at=2016-03-15T00:00:00Z", party="admin").json
        self.assertEqual([z["version"] for z in a["no_strike"]], [current["version"]])


if __name__ == "__main__":
    main()
